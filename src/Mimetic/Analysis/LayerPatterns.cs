using Mimetic.Init;
using static TorchSharp.torch;

namespace Mimetic.Analysis;

/// <summary>
/// One attention layer's statistics plus the top-left corners of its products, for pictures
/// (a d×d product can be large; its corner shows whether the diagonal stands out).
/// </summary>
/// <param name="Statistics">The paper's statistics of the layer.</param>
/// <param name="Kind">What kind of module it was read from (e.g. <c>fused-qkv</c>, <c>gpt2-conv1d</c>).</param>
/// <param name="Width">Model width d.</param>
/// <param name="QueryKey">Per head: the top-left corner of W_q,i·W_k,iᵀ.</param>
/// <param name="ValueProjection">The top-left corner of the layer's W_v·W_proj.</param>
/// <param name="ValueProjectionPerHead">Per head: the top-left corner of W_v,i·W_proj,i.</param>
public sealed record LayerPatterns(
    LayerAnalysis Statistics,
    string Kind,
    int Width,
    IReadOnlyList<double[,]> QueryKey,
    double[,] ValueProjection,
    IReadOnlyList<double[,]> ValueProjectionPerHead)
{
    /// <summary>Computes the products of one layer once, then their statistics and corners.</summary>
    /// <param name="slot">The layer's weights.</param>
    /// <param name="crop">Side of the corner kept (at most d).</param>
    public static LayerPatterns Of(AttentionSlot slot, int crop)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentOutOfRangeException.ThrowIfLessThan(crop, 1);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var queryKey = AttentionProducts.QueryKey(slot);
        var valueProjection = AttentionProducts.ValueProjection(slot);
        var perHead = AttentionProducts.ValueProjectionPerHead(slot.InProjectionWeight, slot.OutProjectionWeight, slot.Heads);
        var statistics = AttentionAnalysis.FromProducts(slot, queryKey, valueProjection, perHead);
        var side = (int)Math.Min(crop, slot.Width);
        return new LayerPatterns(
            statistics, slot.Kind, slot.Width,
            Enumerable.Range(0, slot.Heads).Select(h => Corner(queryKey[h], side)).ToList(),
            Corner(valueProjection, side),
            Enumerable.Range(0, slot.Heads).Select(h => Corner(perHead[h], side)).ToList());
    }

    /// <summary>The top-left <paramref name="side"/>×<paramref name="side"/> block of a matrix, as doubles.</summary>
    public static double[,] Corner(Tensor matrix, int side)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        using var scope = NewDisposeScope();
        var block = matrix.narrow(0, 0, side).narrow(1, 0, side).to(ScalarType.Float64).contiguous();
        var values = block.data<double>().ToArray();
        var result = new double[side, side];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(double));
        return result;
    }
}
