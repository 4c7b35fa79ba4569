using Mimetic.Init;

namespace Mimetic.Io.Layouts;

/// <summary>
/// PyTorch's and TorchSharp's <c>nn.MultiheadAttention</c> (also inside <c>TransformerEncoderLayer</c>):
/// <c>{prefix}in_proj_weight</c> (3d×d) and <c>{prefix}out_proj.weight</c> (d×d), with optional
/// <c>in_proj_bias</c> and <c>out_proj.bias</c>, e.g. <c>layers.0.self_attn.in_proj_weight</c>.
/// </summary>
public sealed class MultiheadAttentionLayout : AttentionLayout
{
    /// <inheritdoc />
    public override string Name => "torch-mha";

    /// <inheritdoc />
    public override string Pattern => "*.in_proj_weight + *.out_proj.weight (e.g. layers.0.self_attn.in_proj_weight)";

    /// <inheritdoc />
    protected override string Anchor => "in_proj_weight";

    /// <inheritdoc />
    protected override bool HasCompanions(string prefix, Func<string, bool> contains)
    {
        ArgumentNullException.ThrowIfNull(contains);
        return contains(prefix + "out_proj.weight");
    }

    /// <inheritdoc />
    protected override AttentionSlot ReadLayer(WeightFile file, string prefix, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        var width = FusedWidth(file, prefix + "in_proj_weight", file.Shape(prefix + "in_proj_weight"));
        return new AttentionSlot(
            LayerName(prefix, "self_attn"), "torch-mha", width, heads,
            ReadMatrix(file, prefix + "in_proj_weight"), ReadOptional(file, prefix + "in_proj_bias"),
            ReadMatrix(file, prefix + "out_proj.weight"), ReadOptional(file, prefix + "out_proj.bias"));
    }
}
