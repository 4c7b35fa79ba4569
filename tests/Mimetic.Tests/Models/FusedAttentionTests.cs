using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Tests.Models;

public class FusedAttentionTests
{
    [Theory]
    [InlineData(4, 3, 64, 32)]
    [InlineData(2, 2, 16, 16)]
    [InlineData(3, 4, 24, 8)]
    public void ForwardAndGradientsEqualScaledDotProductAttention(int batch, int heads, int tokens, int width)
    {
        manual_seed(11);
        var (q, k, v) = (randn(batch, heads, tokens, width) * 2, randn(batch, heads, tokens, width), randn(batch, heads, tokens, width));
        var upstream = randn(batch, heads, tokens, width);
        var (fused, fusedGrads) = Run(q, k, v, upstream, FusedAttention.Apply);
        var (reference, referenceGrads) = Run(q, k, v, upstream, (a, b, c) => nn.functional.scaled_dot_product_attention(a, b, c));
        Assert.True(FusedAttention.Supports(q));
        Assert.True(fused.allclose(reference, rtol: 0, atol: 1e-5), $"forward differs by {(fused - reference).abs().max().item<float>()}");
        for (var i = 0; i < 3; i++)
        {
            var difference = (fusedGrads[i] - referenceGrads[i]).abs().max().item<float>();
            Assert.True(difference < 1e-5, $"gradient {"qkv"[i]} differs by {difference}");
        }
    }

    [Fact]
    public void AVisionTransformerWithTheKernelMatchesTheDefaultPathInTrainingAndUnderInferenceMode()
    {
        var shape = VisionPresets.Get("vit-cpu") with { Depth = 2 };
        manual_seed(3);
        using var plain = new VisionTransformer(shape);
        using var fused = new VisionTransformer(shape with { FusedAttention = true });
        fused.load_state_dict(plain.state_dict());
        var images = randn(6, 3, 32, 32);
        var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5 });
        nn.functional.cross_entropy(plain.call(images), labels).backward();
        nn.functional.cross_entropy(fused.call(images), labels).backward();
        foreach (var ((name, p), (_, f)) in plain.named_parameters().Zip(fused.named_parameters()))
        {
            var difference = (p.grad! - f.grad!).abs().max().item<float>();
            Assert.True(difference < 1e-5, $"{name}: gradients differ by {difference}");
        }

        using (inference_mode())
        {
            Assert.True(fused.call(images).allclose(plain.call(images), rtol: 0, atol: 1e-5));
        }
    }

    private static (Tensor Output, Tensor[] Grads) Run(Tensor q, Tensor k, Tensor v, Tensor upstream, Func<Tensor, Tensor, Tensor, Tensor> attention)
    {
        var leaves = new[] { q, k, v }.Select(t => t.detach().requires_grad_(true)).ToArray();
        var output = attention(leaves[0], leaves[1], leaves[2]);
        output.backward([upstream]);
        return (output.detach(), leaves.Select(l => l.grad!.detach()).ToArray());
    }
}
