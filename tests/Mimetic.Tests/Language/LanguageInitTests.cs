using Mimetic.Analysis;
using Mimetic.Init;
using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Tests.Language;

/// <summary>Each named init gives a GPT the attention products it promises.</summary>
public class LanguageInitTests
{
    private const long Seed = 11;
    private const double Beta2 = 0.4;
    private static readonly GptConfig Config = GptPresets.Get("gpt-micro", vocabSize: 40) with { Width = 64, Heads = 4, Depth = 2 };

    [Theory]
    [InlineData(WeightInit.Mimetic, -1)]
    [InlineData(WeightInit.MimeticPositive, 1)]
    [InlineData(WeightInit.MimeticValueProjection, -1)]
    [InlineData(WeightInit.MimeticValueProjectionPositive, 1)]
    public void ValueProjectionDiagonalHasTheNamedSign(string init, int sign)
    {
        foreach (var layer in Analyse(init))
        {
            Assert.InRange(layer.ValueProjection.MeanDiagonal, sign * Beta2 - 0.05, sign * Beta2 + 0.05);
            Assert.True(sign * layer.ValueProjection.IdentityScore > 0.5, $"{init}: identity score {layer.ValueProjection.IdentityScore}");
        }
    }

    [Fact]
    public void QueryKeyOnlyLeavesValueProjectionAtTheDefault()
    {
        using var initialized = ModelFactory.CreateGpt(Config, WeightInit.MimeticQueryKey, Seed);
        using var plain = ModelFactory.CreateGpt(Config, WeightInit.Default, Seed);
        var slots = AttentionFinder.Find(initialized);
        var defaults = AttentionFinder.Find(plain);
        for (var i = 0; i < slots.Count; i++)
        {
            using var vo = AttentionProducts.ValueProjection(slots[i]);
            using var defaultVo = AttentionProducts.ValueProjection(defaults[i]);
            Assert.True(vo.Identical(defaultVo), $"layer {i}: value/projection changed");
            Assert.All(ProductStatistics.OfEach(AttentionProducts.QueryKey(slots[i])), qk => Assert.True(qk.IdentityScore > 0.3));
            Assert.All(ProductStatistics.OfEach(AttentionProducts.QueryKey(defaults[i])), qk => Assert.InRange(qk.IdentityScore, -0.1, 0.1));
        }

        // Everything outside attention is the default init too.
        var state = initialized.state_dict();
        foreach (var (name, tensor) in plain.state_dict().Where(p => !p.Key.Contains(".attn.", StringComparison.Ordinal)))
        {
            Assert.True(tensor.Identical(state[name]), name);
        }
    }

    [Fact]
    public void ValueProjectionOnlyLeavesQueryKeyAtTheDefault()
    {
        using var initialized = ModelFactory.CreateGpt(Config, WeightInit.MimeticValueProjection, Seed);
        using var plain = ModelFactory.CreateGpt(Config, WeightInit.Default, Seed);
        foreach (var (slot, reference) in AttentionFinder.Find(initialized).Zip(AttentionFinder.Find(plain)))
        {
            using var qk = AttentionProducts.QueryKey(slot);
            using var defaultQk = AttentionProducts.QueryKey(reference);
            Assert.True(qk.Identical(defaultQk));
        }
    }

    [Theory]
    [InlineData(WeightInit.SpeedrunValueProjection, -1)]
    [InlineData(WeightInit.SpeedrunValueProjectionPositive, 1)]
    public void SpeedrunValueProjectionHasASmallIdentityBlockPerHead(string init, int sign)
    {
        using var model = ModelFactory.CreateGpt(Config, init, Seed);
        var k = Config.Width / Config.Heads;
        var rootBeta = Math.Sqrt(Beta2);
        foreach (var slot in AttentionFinder.Find(model))
        {
            using var noGrad = no_grad();
            var value = slot.InProjectionWeight.narrow(0, 2 * Config.Width, Config.Width).mT;   // W_v, d×d
            var projection = slot.OutProjectionWeight.mT;                                      // W_proj, d×d
            using var perHead = AttentionProducts.ValueProjectionPerHead(slot.InProjectionWeight, slot.OutProjectionWeight, Config.Heads);
            for (var head = 0; head < Config.Heads; head++)
            {
                var own = (head * k)..((head + 1) * k);
                Assert.InRange(value[own, own].diagonal().mean().item<float>(), rootBeta - 0.05, rootBeta + 0.05);
                Assert.InRange(projection[own, own].diagonal().mean().item<float>(), sign * rootBeta - 0.05, sign * rootBeta + 0.05);
                // Head i's product is ≈ sign·β2 on its own channels and ≈ 0 elsewhere on the diagonal.
                var diagonal = perHead[head].diagonal();
                Assert.InRange(diagonal.narrow(0, head * k, k).mean().item<float>(), sign * Beta2 - 0.08, sign * Beta2 + 0.08);
                Assert.InRange(diagonal.narrow(0, (head + 1) % Config.Heads * k, k).mean().item<float>(), -0.08, 0.08);
            }

            var layer = AttentionAnalysis.Of(slot);
            Assert.InRange(layer.ValueProjection.MeanDiagonal, sign * Beta2 - 0.05, sign * Beta2 + 0.05);
            Assert.All(layer.QueryKey, qk => Assert.InRange(qk.IdentityScore, -0.1, 0.1));   // query/key untouched
        }
    }

    [Fact]
    public void SpeedrunFactorsAreTheDocumentedSums()
    {
        var options = MimeticOptions.Vision with { Seed = Seed, Parts = MimeticParts.ValueProjectionIdentityBlocks, Alpha2 = 0.1, Beta2 = 0.25 };
        var attention = new SelfAttention(32, 4, causal: true);
        MimeticInitializer.Apply(attention, options);

        using var generator = new Generator(Seed);
        using var noise = MimeticMath.DrawLayerNoise(32, 4, generator);
        using var projectionNoise = MimeticMath.DrawNoise(32, generator);
        var (value, projection) = MimeticMath.IdentityBlockFactors(noise.ValueProjection, projectionNoise, 0.1, 0.25, -1);
        using var expectedValue = eye(32) * 0.5 + noise.ValueProjection * 0.1;
        using var expectedProjection = eye(32) * -0.5 + projectionNoise * 0.1;
        Assert.True(value.allclose(expectedValue, rtol: 0, atol: 1e-6));
        Assert.True(projection.allclose(expectedProjection, rtol: 0, atol: 1e-6));
        Assert.True(attention.Qkv.weight!.narrow(0, 64, 32).Identical(value.mT));
        Assert.True(attention.Proj.weight!.Identical(projection.mT));
        Assert.Equal(0, attention.Proj.bias!.abs().sum().item<float>());
    }

    [Fact]
    public void NamesAndSignsAreKnown()
    {
        Assert.All(WeightInit.Names, n => Assert.True(WeightInit.IsKnown(n)));
        Assert.False(WeightInit.IsKnown("mimetic-qk+"));
        Assert.False(WeightInit.IsKnown("default+"));
        using var model = new Gpt(Config);
        Assert.Throws<ArgumentException>(() => WeightInit.Apply(model, "speedrun"));
    }

    private static IReadOnlyList<LayerAnalysis> Analyse(string init)
    {
        using var model = ModelFactory.CreateGpt(Config, init, Seed);
        return AttentionAnalysis.Of(model);
    }
}
