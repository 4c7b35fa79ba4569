using Mimetic.Init;

namespace Mimetic.Io.Layouts;

/// <summary>
/// timm's Vision Transformer and this project's own models (<c>mimetic</c>): a fused
/// <c>{prefix}qkv.weight</c> (3d×d, <c>Linear</c> storage) and <c>{prefix}proj.weight</c> (d×d), with optional biases,
/// e.g. <c>blocks.3.attn.qkv.weight</c>.
/// </summary>
/// <param name="name">The layout name (<c>timm</c> or <c>mimetic</c>; the storage is the same).</param>
public sealed class FusedQkvLayout(string name) : AttentionLayout
{
    /// <inheritdoc />
    public override string Name { get; } = name;

    /// <inheritdoc />
    public override string Pattern => "*.qkv.weight + *.proj.weight (e.g. blocks.0.attn.qkv.weight)";

    /// <inheritdoc />
    protected override string Anchor => "qkv.weight";

    /// <inheritdoc />
    protected override bool HasCompanions(string prefix, Func<string, bool> contains)
    {
        ArgumentNullException.ThrowIfNull(contains);
        return contains(prefix + "proj.weight");
    }

    /// <inheritdoc />
    protected override AttentionSlot ReadLayer(WeightFile file, string prefix, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        var width = FusedWidth(file, prefix + "qkv.weight", file.Shape(prefix + "qkv.weight"));
        return new AttentionSlot(
            LayerName(prefix), "fused-qkv", width, heads,
            ReadMatrix(file, prefix + "qkv.weight"), ReadOptional(file, prefix + "qkv.bias"),
            ReadMatrix(file, prefix + "proj.weight"), ReadOptional(file, prefix + "proj.bias"));
    }
}
