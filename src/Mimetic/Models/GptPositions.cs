using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>How a GPT tells positions apart.</summary>
public enum GptPositionEmbedding
{
    /// <summary>A trained table (context × d), drawn like GPT-2's (normal, std 0.02). Today's default.</summary>
    Learned,

    /// <summary>
    /// A fixed 1-D sine-cosine table (a buffer, not a parameter): see <see cref="GptPositions.SinCos"/>.
    /// With mimetic query/key (W_q·W_kᵀ ≈ I) the attention logits contain P·Pᵀ, which is largest near the
    /// diagonal, so the initial attention favours nearby positions.
    /// </summary>
    SinCos,
}

/// <summary>GPT position embeddings by name, and the fixed sine-cosine table.</summary>
public static class GptPositions
{
    /// <summary>The names accepted by <see cref="Parse"/>: <c>learned</c> and <c>sincos</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["learned", "sincos"];

    /// <summary>
    /// The scale of the sine-cosine table: √2 · 0.02, so its entries have the root mean square (0.02) of GPT-2's
    /// learned table and token embedding at initialization — unscaled, the ±1 table would swamp the tokens.
    /// </summary>
    public static readonly double SinCosScale = Math.Sqrt(2) * Gpt.InitStd;

    /// <summary>Whether <paramref name="name"/> names a position embedding.</summary>
    public static bool IsKnown(string name) => Names.Contains(name);

    /// <summary>The kind for a name (<c>learned</c>, <c>sincos</c>).</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static GptPositionEmbedding Parse(string name) => name switch
    {
        "learned" => GptPositionEmbedding.Learned,
        "sincos" => GptPositionEmbedding.SinCos,
        _ => throw new ArgumentException($"Unknown position embedding '{name}'. Known: {string.Join(", ", Names)}."),
    };

    /// <summary>The name of a kind, as <see cref="Parse"/> reads it.</summary>
    public static string Name(GptPositionEmbedding kind) => kind == GptPositionEmbedding.SinCos ? "sincos" : "learned";

    /// <summary>
    /// The fixed 1-D sine-cosine table [positions, width] (float32): for position p and i &lt; d/2, column i is
    /// sin(p·ω_i) and column d/2 + i is cos(p·ω_i), with ω_i = 10000^(−i/(d/2)) — the 1-D version of the ViT's
    /// 2-D table (<see cref="VisionTransformer.SinCosPositionEmbedding"/>) — times <see cref="SinCosScale"/>.
    /// Computed in float64 and deterministic.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than one position or an odd width.</exception>
    public static Tensor SinCos(int positions, int width)
    {
        if (positions < 1 || width < 2 || width % 2 != 0)
        {
            throw new ArgumentException($"A sine-cosine position table needs at least one position and an even width, not {positions} × {width}.");
        }

        using var scope = NewDisposeScope();
        var half = width / 2;
        var omega = pow(10000.0, -arange(half, dtype: ScalarType.Float64) / half);
        var angles = outer(arange(positions, dtype: ScalarType.Float64), omega);
        return (cat([angles.sin(), angles.cos()], dim: 1) * SinCosScale).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
