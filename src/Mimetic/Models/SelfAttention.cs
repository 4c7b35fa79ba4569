using Mimetic.Init;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>
/// Multi-head self-attention with a fused query/key/value projection (timm's and nanoGPT's layout:
/// <c>qkv</c> d→3d, <c>proj</c> d→d), computed with <c>scaled_dot_product_attention</c>.
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>, IFusedSelfAttention
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly bool causal;

    /// <summary>Creates the layer.</summary>
    /// <param name="width">Model width d.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="width"/>.</param>
    /// <param name="causal">Whether a token may attend only to itself and earlier tokens.</param>
    /// <param name="bias">Whether the projections have biases.</param>
    public SelfAttention(int width, int heads, bool causal = false, bool bias = true) : base(nameof(SelfAttention))
    {
        if (heads <= 0 || width % heads != 0)
        {
            throw new ArgumentException($"Width {width} is not divisible by {heads} heads.", nameof(heads));
        }

        Width = width;
        Heads = heads;
        this.causal = causal;
        qkv = nn.Linear(width, 3 * width, hasBias: bias);
        proj = nn.Linear(width, width, hasBias: bias);
        RegisterComponents();
    }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Heads { get; }

    /// <inheritdoc />
    public Linear Qkv => qkv;

    /// <inheritdoc />
    public Linear Proj => proj;

    /// <summary>
    /// Compute softmax(Q·Kᵀ/√k)·V with <see cref="FusedAttention"/>'s C# kernel where it applies (CPU, float32, no
    /// mask, tokens and head width multiples of 8), else with <c>scaled_dot_product_attention</c>. Equal to float
    /// rounding, not bit for bit: off by default.
    /// </summary>
    internal bool FusedKernel { get; init; }

    /// <summary>x: [batch, tokens, d] → [batch, tokens, d].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (batch, tokens) = (x.shape[0], x.shape[1]);
        var headWidth = Width / Heads;
        var parts = qkv.call(x).view(batch, tokens, 3, Heads, headWidth).permute(2, 0, 3, 1, 4);  // 3×B×h×N×k
        var attended = FusedKernel && !causal && FusedAttention.Supports(parts[0])
            ? FusedAttention.Apply(parts[0], parts[1], parts[2])
            : nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2], is_casual: causal);
        var merged = attended.transpose(1, 2).reshape(batch, tokens, Width);
        return proj.call(merged).MoveToOuterDisposeScope();
    }
}
