using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Init;

/// <summary>
/// A self-attention module whose weights mimetic initialization can set: a fused query/key/value
/// <c>Linear</c> (weight 3d×d, rows ordered query, key, value, heads contiguous within each) and an
/// output projection <c>Linear</c> (d×d). The project's own attention implements it; so can yours.
/// </summary>
public interface IFusedSelfAttention
{
    /// <summary>Model width d.</summary>
    int Width { get; }

    /// <summary>Number of heads h; the head width is d/h.</summary>
    int Heads { get; }

    /// <summary>The fused query/key/value layer (d → 3d).</summary>
    TorchSharp.Modules.Linear Qkv { get; }

    /// <summary>The output projection (d → d).</summary>
    TorchSharp.Modules.Linear Proj { get; }
}

/// <summary>
/// One attention layer's parameters as the initializer and the analysis see them, in TorchSharp's
/// <c>Linear</c> storage (out×in): <see cref="InProjectionWeight"/> is [W_q W_k W_v]ᵀ (3d×d) and
/// <see cref="OutProjectionWeight"/> is W_projᵀ (d×d). The tensors alias the model's parameters.
/// </summary>
/// <param name="Name">Where the layer sits in the model, e.g. <c>blocks.3.attn</c>.</param>
/// <param name="Kind">What kind of module it is (e.g. <c>fused-qkv</c>, <c>torch-mha</c>).</param>
/// <param name="Width">Model width d.</param>
/// <param name="Heads">Number of heads h.</param>
/// <param name="InProjectionWeight">[W_q W_k W_v]ᵀ, 3d×d.</param>
/// <param name="InProjectionBias">Query/key/value bias (3d), if any.</param>
/// <param name="OutProjectionWeight">W_projᵀ, d×d.</param>
/// <param name="OutProjectionBias">Output bias (d), if any.</param>
public sealed record AttentionSlot(
    string Name,
    string Kind,
    int Width,
    int Heads,
    Tensor InProjectionWeight,
    Tensor? InProjectionBias,
    Tensor OutProjectionWeight,
    Tensor? OutProjectionBias)
{
    /// <summary>Head width k = d/h.</summary>
    public int HeadWidth => Width / Heads;

    /// <summary>Throws <see cref="ArgumentException"/> when the shapes do not fit d and h.</summary>
    public void Validate()
    {
        if (Width <= 0 || Heads <= 0 || Width % Heads != 0)
        {
            throw new ArgumentException($"Attention layer '{Name}': width {Width} is not divisible by {Heads} heads.");
        }

        RequireShape(InProjectionWeight, [3L * Width, Width], "query/key/value weight");
        RequireShape(OutProjectionWeight, [Width, Width], "output projection weight");
        if (InProjectionBias is not null)
        {
            RequireShape(InProjectionBias, [3L * Width], "query/key/value bias");
        }

        if (OutProjectionBias is not null)
        {
            RequireShape(OutProjectionBias, [Width], "output projection bias");
        }
    }

    private void RequireShape(Tensor tensor, long[] expected, string what)
    {
        if (!tensor.shape.SequenceEqual(expected))
        {
            throw new ArgumentException(
                $"Attention layer '{Name}': {what} has shape [{string.Join(", ", tensor.shape)}], expected [{string.Join(", ", expected)}].");
        }
    }
}
