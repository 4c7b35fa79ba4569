using Mimetic.Init;
using Mimetic.Io;

namespace Mimetic.Analysis.Layouts;

/// <summary>The tensor names of one fused-projection layout, relative to a layer's prefix.</summary>
/// <param name="InWeight">The fused query/key/value weight (3d×d, <c>Linear</c> storage).</param>
/// <param name="InBias">Its bias.</param>
/// <param name="OutWeight">The output projection weight (d×d).</param>
/// <param name="OutBias">Its bias.</param>
public sealed record FusedProjectionNames(string InWeight, string InBias, string OutWeight, string OutBias);

/// <summary>
/// Layouts that store query, key and value as one fused <c>Linear</c> weight (3d×d) beside an output projection:
/// timm's Vision Transformer and this project's models (<c>blocks.3.attn.qkv.weight</c>, <c>…proj.weight</c>), and
/// PyTorch/TorchSharp <c>nn.MultiheadAttention</c> (<c>layers.0.self_attn.in_proj_weight</c>, <c>…out_proj.weight</c>).
/// </summary>
public sealed class FusedProjectionLayout : AttentionLayout
{
    private readonly string kind;
    private readonly string fallbackLayerName;
    private readonly FusedProjectionNames names;

    private FusedProjectionLayout(string name, string kind, string pattern, string fallbackLayerName, FusedProjectionNames names)
    {
        Name = name;
        Pattern = pattern;
        this.kind = kind;
        this.fallbackLayerName = fallbackLayerName;
        this.names = names;
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override string Pattern { get; }

    /// <inheritdoc />
    protected override string Anchor => names.InWeight;

    /// <summary>timm's ViT or this project's models (<c>timm</c> or <c>mimetic</c>; the storage is the same).</summary>
    public static FusedProjectionLayout FusedQkv(string name) => new(
        name, "fused-qkv", "*.qkv.weight + *.proj.weight (e.g. blocks.0.attn.qkv.weight)", "attn",
        new FusedProjectionNames("qkv.weight", "qkv.bias", "proj.weight", "proj.bias"));

    /// <summary>PyTorch/TorchSharp <c>nn.MultiheadAttention</c> with equal query, key and value widths.</summary>
    public static FusedProjectionLayout MultiheadAttention() => new(
        "torch-mha", "torch-mha", "*.in_proj_weight + *.out_proj.weight (e.g. layers.0.self_attn.in_proj_weight)", "self_attn",
        new FusedProjectionNames("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"));

    /// <inheritdoc />
    protected override bool HasCompanions(string prefix, Func<string, bool> contains)
    {
        ArgumentNullException.ThrowIfNull(contains);
        return contains(prefix + names.OutWeight);
    }

    /// <inheritdoc />
    protected override AttentionSlot ReadLayer(WeightFile file, string prefix, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        var width = FusedWidth(file, prefix + names.InWeight, file.Shape(prefix + names.InWeight));
        return new AttentionSlot(
            LayerName(prefix, fallbackLayerName), kind, width, heads,
            ReadMatrix(file, prefix + names.InWeight), ReadOptional(file, prefix + names.InBias),
            ReadMatrix(file, prefix + names.OutWeight), ReadOptional(file, prefix + names.OutBias));
    }
}
