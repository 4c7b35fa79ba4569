using Mimetic.Init;
using static TorchSharp.torch;

namespace Mimetic.Analysis;

/// <summary>The paper's statistics of one attention layer.</summary>
/// <param name="Name">The layer's place in the model.</param>
/// <param name="Heads">Number of heads.</param>
/// <param name="QueryKey">Statistics of W_q,i·W_k,iᵀ for each head i.</param>
/// <param name="ValueProjection">Statistics of the layer's W_v·W_proj.</param>
/// <param name="ValueProjectionPerHead">Statistics of W_v,i·W_proj,i for each head i.</param>
public sealed record LayerAnalysis(
    string Name,
    int Heads,
    IReadOnlyList<ProductStatistics> QueryKey,
    ProductStatistics ValueProjection,
    IReadOnlyList<ProductStatistics> ValueProjectionPerHead)
{
    /// <summary>Mean over heads of the query/key identity score.</summary>
    public double QueryKeyIdentityScore => QueryKey.Average(s => s.IdentityScore);
}

/// <summary>Computes <see cref="LayerAnalysis"/> for attention layers, from a model or from weights.</summary>
public static class AttentionAnalysis
{
    /// <summary>Analyses every attention layer of a model.</summary>
    public static IReadOnlyList<LayerAnalysis> Of(nn.Module model, int? multiheadAttentionHeads = null) =>
        Of(AttentionFinder.Find(model, multiheadAttentionHeads));

    /// <summary>Analyses the given layers.</summary>
    public static IReadOnlyList<LayerAnalysis> Of(IEnumerable<AttentionSlot> slots) => slots.Select(Of).ToList();

    /// <summary>Analyses one layer.</summary>
    public static LayerAnalysis Of(AttentionSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        using var scope = NewDisposeScope();
        var queryKey = AttentionProducts.QueryKey(slot);
        var valueProjection = AttentionProducts.ValueProjection(slot);
        var perHead = AttentionProducts.ValueProjectionPerHead(slot.InProjectionWeight, slot.OutProjectionWeight, slot.Heads);
        return FromProducts(slot, queryKey, valueProjection, perHead);
    }

    /// <summary>The statistics of products already computed by <see cref="AttentionProducts"/>.</summary>
    internal static LayerAnalysis FromProducts(AttentionSlot slot, Tensor queryKey, Tensor valueProjection, Tensor valueProjectionPerHead) =>
        new(slot.Name, slot.Heads, ProductStatistics.OfEach(queryKey), ProductStatistics.Of(valueProjection), ProductStatistics.OfEach(valueProjectionPerHead));
}
