using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>A pre-norm Transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).</summary>
internal sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly SelfAttention attn;
    private readonly LayerNorm norm2;
    private readonly Mlp mlp;

    public TransformerBlock(int width, int heads, double mlpRatio, bool causal, bool fusedAttention = false) : base(nameof(TransformerBlock))
    {
        norm1 = nn.LayerNorm(width);
        attn = new SelfAttention(width, heads, causal) { FusedKernel = fusedAttention };
        norm2 = nn.LayerNorm(width);
        mlp = new Mlp(width, (int)Math.Round(width * mlpRatio));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + attn.call(norm1.call(x));
        return (h + mlp.call(norm2.call(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>Two linear layers with a GELU between them.</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly GELU act;
    private readonly Linear fc2;

    public Mlp(int width, int hidden) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(width, hidden);
        act = nn.GELU();
        fc2 = nn.Linear(hidden, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(act.call(fc1.call(x))).MoveToOuterDisposeScope();
    }
}
