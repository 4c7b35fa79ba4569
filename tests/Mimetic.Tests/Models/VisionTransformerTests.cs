using Mimetic.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Tests.Models;

public class VisionTransformerTests
{
    [Fact]
    public void DefaultInitIsTimmsTruncatedNormalNotAConstant()
    {
        manual_seed(0);
        using var model = new VisionTransformer(VisionPresets.Get("vit-cpu"));
        foreach (var (name, module) in model.named_modules())
        {
            if (module is Linear linear)
            {
                var weight = linear.weight!;
                Assert.InRange(weight.std().item<float>(), 0.017, 0.019);   // std of N(0, 0.02²) truncated at ±2σ ≈ 0.0176
                Assert.InRange(weight.mean().item<float>(), -0.002, 0.002);
                Assert.True(weight.abs().max().item<float>() <= 0.04f, $"{name} exceeds the truncation");
                Assert.True(weight.unique().output.numel() > weight.numel() / 2, $"{name} is nearly constant");
                Assert.Equal(0f, linear.bias!.abs().max().item<float>());
            }
            else if (module is LayerNorm norm)
            {
                Assert.True(norm.weight!.eq(1).all().item<bool>() && norm.bias!.eq(0).all().item<bool>(), name);
            }
        }
    }

    [Fact]
    public void TruncatedNormalHasTheRightMomentsAndBounds()
    {
        using var values = TruncatedNormal.Fill(empty(200_000), std: 1, a: -2, b: 2, generator: new Generator(1));
        Assert.InRange(values.std().item<float>(), 0.87, 0.89);    // std of N(0,1) truncated at ±2 is 0.880
        Assert.InRange(values.mean().item<float>(), -0.01, 0.01);
        Assert.True(values.abs().max().item<float>() <= 2f);
        Assert.Throws<ArgumentException>(() => TruncatedNormal.Fill(empty(3), std: 0, a: -1, b: 1));
    }

    [Fact]
    public void ParameterNamesFollowTimm()
    {
        using var model = new VisionTransformer(VisionPresets.Get("vit-tiny"));
        var names = model.state_dict().Keys.ToHashSet();
        foreach (var name in new[] { "patch_embed.proj.weight", "cls_token", "pos_embed", "blocks.11.norm1.weight", "blocks.11.attn.qkv.weight",
                     "blocks.11.attn.proj.bias", "blocks.11.mlp.fc1.weight", "blocks.11.mlp.fc2.weight", "norm.weight", "head.weight" })
        {
            Assert.Contains(name, names);
        }

        Assert.Equal([3L * 192, 192], model.state_dict()["blocks.0.attn.qkv.weight"].shape);
    }

    [Fact]
    public void SinCosPositionsAreFixedAndMakeNearbyPatchesMostSimilar()
    {
        var config = VisionPresets.Get("vit-cpu");
        using var model = new VisionTransformer(config);
        Assert.DoesNotContain(model.named_parameters(), p => p.name == "pos_embed");
        using var table = VisionTransformer.SinCosPositionEmbedding(config)[0];    // N×d
        using var similarity = table.matmul(table.mT);
        // For a patch in the middle, the most similar other patch is a neighbour (row or column ±1).
        var grid = config.GridSize;
        var centre = (grid / 2 * grid) + (grid / 2);
        using var row = similarity[centre].clone();
        row[centre] = float.NegativeInfinity;
        var best = (int)row.argmax().item<long>();
        Assert.Equal(1, Math.Abs(best / grid - centre / grid) + Math.Abs(best % grid - centre % grid));
    }

    [Fact]
    public void ForwardGivesOneLogitPerClassForEitherPooling()
    {
        foreach (var pool in new[] { Pooling.Average, Pooling.ClassToken })
        {
            using var model = new VisionTransformer(VisionPresets.Get("vit-micro", classes: 7) with { Pool = pool });
            using var noGrad = no_grad();
            using var logits = model.call(randn(3, 3, 32, 32));
            Assert.Equal([3L, 7L], logits.shape);
        }
    }

    [Fact]
    public void InvalidConfigsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new VisionTransformer(new VisionTransformerConfig(PatchSize: 5)));
        Assert.Throws<ArgumentException>(() => new VisionTransformer(new VisionTransformerConfig(Width: 90, Heads: 3)));
        Assert.Throws<ArgumentException>(() => VisionPresets.Get("vit-huge"));
    }
}
