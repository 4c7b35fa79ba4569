using Mimetic.Analysis;
using Mimetic.Init;
using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Tests.Init;

public class MimeticInitializerTests
{
    private const long Seed = 1234;

    [Theory]
    [InlineData(MimeticSolver.Auto)]
    [InlineData(MimeticSolver.Float64Svd)]
    [InlineData(MimeticSolver.Float32Gram)]
    public void OwnAttentionProductsEqualTheirTargets(MimeticSolver solver)
    {
        var model = new VisionTransformer(VisionPresets.Get("vit-micro") with { Width = 48, Heads = 3, Depth = 2 });
        var report = MimeticInitializer.Apply(model, MimeticOptions.Vision with { Seed = Seed, Solver = solver });

        Assert.Equal(["blocks.0.attn", "blocks.1.attn"], report.Layers.Select(l => l.Name));
        AssertProductsMatchTargets(AttentionFinder.Find(model), MimeticOptions.Vision);
    }

    [Fact]
    public void Float32GramMatchesTheFloat64ReferenceAtViTBaseWidth()
    {
        // Width 768 and 12 heads (ViT-B), where Auto picks the float32 solver: the products must equal the float64 ones
        // (measured: 4e-6 relative for query/key, 1.5e-6 for value/projection).
        var reference = new SelfAttention(768, 12);
        var fast = new SelfAttention(768, 12);
        MimeticInitializer.Apply(reference, MimeticOptions.Vision with { Seed = Seed, Solver = MimeticSolver.Float64Svd });
        MimeticInitializer.Apply(fast, MimeticOptions.Vision with { Seed = Seed });
        Assert.Equal(MimeticSolver.Float32Gram, MimeticOptions.Vision.SolverFor(768));

        var (referenceSlot, fastSlot) = (AttentionFinder.Find(reference)[0], AttentionFinder.Find(fast)[0]);
        using var referenceQk = AttentionProducts.QueryKey(referenceSlot);
        using var fastQk = AttentionProducts.QueryKey(fastSlot);
        using var referenceVo = AttentionProducts.ValueProjection(referenceSlot);
        using var fastVo = AttentionProducts.ValueProjection(fastSlot);
        Assert.True(RelativeError(fastQk, referenceQk) < 1e-4, $"query/key products differ by {RelativeError(fastQk, referenceQk):E2}");
        Assert.True(RelativeError(fastVo, referenceVo) < 1e-4, $"value/projection products differ by {RelativeError(fastVo, referenceVo):E2}");

        // Balanced factors: column j of W_q and of W_k both have norm √σ_j (and likewise W_v columns and W_proj rows).
        using var noGrad = no_grad();
        var queryNorms = linalg.vector_norm(fastSlot.InProjectionWeight.narrow(0, 0, 768), dims: [1]);
        var keyNorms = linalg.vector_norm(fastSlot.InProjectionWeight.narrow(0, 768, 768), dims: [1]);
        Assert.True(queryNorms.allclose(keyNorms, rtol: 1e-3, atol: 1e-6));
        var valueNorms = linalg.vector_norm(fastSlot.InProjectionWeight.narrow(0, 1536, 768), dims: [1]);
        var projectionNorms = linalg.vector_norm(fastSlot.OutProjectionWeight, dims: [0]);
        Assert.True(valueNorms.allclose(projectionNorms, rtol: 1e-3, atol: 1e-6));
    }

    [Theory]
    [InlineData(MimeticSolver.Float64Svd)]
    [InlineData(MimeticSolver.Float32Gram)]
    public void SingularTargetsGiveFiniteFactors(MimeticSolver solver)
    {
        // α = β = 0 makes every target the zero matrix: every singular value is 0, and nothing may divide by it.
        var model = new SelfAttention(32, 2);
        MimeticInitializer.Apply(model, new MimeticOptions(0, 0, 0, 0, Seed: Seed, Solver: solver));
        using var noGrad = no_grad();
        Assert.Equal(0, model.Qkv.weight!.abs().max().item<float>());
        Assert.Equal(0, model.Proj.weight!.abs().max().item<float>());
    }

    [Theory]
    [InlineData(MimeticSolver.Auto, 256, MimeticSolver.Float64Svd)]
    [InlineData(MimeticSolver.Auto, 257, MimeticSolver.Float32Gram)]
    [InlineData(MimeticSolver.Float64Svd, 768, MimeticSolver.Float64Svd)]
    [InlineData(MimeticSolver.Float32Gram, 48, MimeticSolver.Float32Gram)]
    public void AutoSolverDependsOnWidthOnly(MimeticSolver chosen, int width, MimeticSolver expected)
    {
        Assert.Equal(expected, (MimeticOptions.Vision with { Solver = chosen }).SolverFor(width));
        Assert.Equal(expected, MimeticOptions.Resolve(chosen, width));
    }

    [Fact]
    public void MathCalledWithAutoResolvesByWidth()
    {
        // At width 300 Auto means the float32 route; its factors differ from float64 SVD ones in rounding, not in the product.
        using var generator = new Generator(Seed);
        using var noise = MimeticMath.DrawNoise(300, generator);
        using var target = MimeticMath.ValueProjectionTarget(noise, 0.4, 0.4, -1);
        var (autoValue, autoProjection) = MimeticMath.ValueProjectionFactors(target, MimeticSolver.Auto);
        var (gramValue, gramProjection) = MimeticMath.ValueProjectionFactors(target, MimeticSolver.Float32Gram);
        Assert.True(Identical(autoValue, gramValue) && Identical(autoProjection, gramProjection));
        using var product = autoValue.matmul(autoProjection).to(ScalarType.Float64);
        Assert.True(product.allclose(target, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void StockMultiheadAttentionProductsEqualTheirTargets()
    {
        using var encoder = nn.TransformerEncoderLayer(64, 4);
        var options = MimeticOptions.Vision with { Seed = Seed, ValueProjectionSign = 1 };
        var report = MimeticInitializer.Apply(encoder, options, multiheadAttentionHeads: 4);

        var layer = Assert.Single(report.Layers);
        Assert.Equal(("self_attn", "torch-mha", 64, 4), (layer.Name, layer.Kind, layer.Width, layer.Heads));
        AssertProductsMatchTargets(AttentionFinder.Find(encoder, 4), options);
    }

    [Fact]
    public void StockMultiheadAttentionWithoutHeadCountIsAClearError()
    {
        using var encoder = nn.TransformerEncoderLayer(64, 4);
        var error = Assert.Throws<ArgumentException>(() => MimeticInitializer.Apply(encoder, MimeticOptions.Vision));
        Assert.Contains("head count", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValueProjectionIsNotTransposed()
    {
        // With W_v·W_proj = A (not Aᵀ), running x through value then projection equals x·A.
        var model = new SelfAttention(32, 4);
        MimeticInitializer.Apply(model, MimeticOptions.Vision with { Seed = Seed });
        var generator = new Generator(Seed);
        using var noise = MimeticMath.DrawLayerNoise(32, 4, generator);
        using var target = MimeticMath.ValueProjectionTarget(noise.ValueProjection, 0.4, 0.4, -1).to(ScalarType.Float32);

        using var noGrad = no_grad();
        using var x = randn(5, 32);
        using var values = nn.functional.linear(x, model.Qkv.weight!.narrow(0, 64, 32));
        using var through = model.Proj.call(values);
        using var expected = x.matmul(target);
        Assert.True(through.allclose(expected, rtol: 1e-4, atol: 1e-5));
        using var transposed = x.matmul(target.mT);
        Assert.False(through.allclose(transposed, rtol: 1e-2, atol: 1e-3));
    }

    [Fact]
    public void PaperScaleStatisticsMatchTheMethod()
    {
        // d = 192, 3 heads (ViT-Tiny), default α/β.
        var model = new SelfAttention(192, 3);
        MimeticInitializer.Apply(model, MimeticOptions.Vision with { Seed = Seed });
        var slot = Assert.Single(AttentionFinder.Find(model));

        using var queryKey = AttentionProducts.QueryKey(slot);
        foreach (var head in ProductStatistics.OfEach(queryKey))
        {
            // The rank-64 truncation of 0.7·Z + 0.7·I keeps the top third of the spectrum.
            Assert.InRange(head.MeanDiagonal, 0.33, 0.45);
            Assert.InRange(head.OffDiagonalStd, 0.03, 0.07);
            Assert.True(head.IdentityScore > 0.3, $"identity score {head.IdentityScore}");
        }

        using var valueProjection = AttentionProducts.ValueProjection(slot);
        var vo = ProductStatistics.Of(valueProjection);
        Assert.InRange(vo.MeanDiagonal, -0.42, -0.38);
        Assert.InRange(vo.OffDiagonalStd, 0.4 / Math.Sqrt(192) * 0.95, 0.4 / Math.Sqrt(192) * 1.05);   // α2/√d ≈ 0.029
        Assert.True(vo.IdentityScore < -0.6, $"identity score {vo.IdentityScore}");
        Assert.True(slot.InProjectionBias!.abs().max().item<float>() == 0);
        Assert.True(slot.OutProjectionBias!.abs().max().item<float>() == 0);
    }

    [Theory]
    [InlineData(MimeticParts.QueryKeyOnly)]
    [InlineData(MimeticParts.ValueProjectionOnly)]
    public void PartialInitLeavesTheOtherHalfAndEqualsTheMatchingHalfOfTheFullMethod(MimeticParts parts)
    {
        var before = NewAttention(out var originalWeights);
        MimeticInitializer.Apply(before, MimeticOptions.Vision with { Seed = Seed, Parts = parts });
        var full = NewAttention(out _);
        MimeticInitializer.Apply(full, MimeticOptions.Vision with { Seed = Seed });

        var d = 48;
        var (changed, kept) = parts == MimeticParts.QueryKeyOnly ? ((0, 2 * d), (2 * d, d)) : ((2 * d, d), (0, 2 * d));
        Assert.True(Identical(before.Qkv.weight!.narrow(0, changed.Item1, changed.Item2), full.Qkv.weight!.narrow(0, changed.Item1, changed.Item2)));
        Assert.True(Identical(before.Qkv.weight!.narrow(0, kept.Item1, kept.Item2), originalWeights.narrow(0, kept.Item1, kept.Item2)));
        var projectionKept = parts == MimeticParts.QueryKeyOnly;
        Assert.Equal(projectionKept, !Identical(before.Proj.weight!, full.Proj.weight!));
    }

    [Fact]
    public void SameSeedSameWeightsOtherSeedOtherWeights()
    {
        var a = new SelfAttention(48, 3);
        var b = new SelfAttention(48, 3);
        var c = new SelfAttention(48, 3);
        MimeticInitializer.Apply(a, MimeticOptions.Vision with { Seed = 7 });
        MimeticInitializer.Apply(b, MimeticOptions.Vision with { Seed = 7 });
        MimeticInitializer.Apply(c, MimeticOptions.Vision with { Seed = 8 });
        Assert.True(Identical(a.Qkv.weight!, b.Qkv.weight!) && Identical(a.Proj.weight!, b.Proj.weight!));
        Assert.False(Identical(a.Qkv.weight!, c.Qkv.weight!));
        Assert.False(Identical(a.Proj.weight!, c.Proj.weight!));
    }

    [Fact]
    public void InitRecordsNoGradient()
    {
        var model = new SelfAttention(32, 2);
        MimeticInitializer.Apply(model, MimeticOptions.Vision with { Seed = Seed });
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad && p.is_leaf));
    }

    [Theory]
    [InlineData(-0.1, 0.7, 0.4, 0.4, 1)]
    [InlineData(0.7, double.NaN, 0.4, 0.4, 1)]
    [InlineData(0.7, 0.7, double.PositiveInfinity, 0.4, 1)]
    [InlineData(0.7, 0.7, 0.4, -1, 1)]
    [InlineData(0.7, 0.7, 0.4, 0.4, 0)]
    public void InvalidOptionsAreRejected(double a1, double b1, double a2, double b2, int sign)
    {
        var model = new SelfAttention(32, 2);
        Assert.Throws<ArgumentException>(() => MimeticInitializer.Apply(model, new MimeticOptions(a1, b1, a2, b2, sign)));
    }

    [Fact]
    public void UnknownSolverIsRejected()
    {
        var model = new SelfAttention(32, 2);
        var error = Assert.Throws<ArgumentException>(() => MimeticInitializer.Apply(model, MimeticOptions.Vision with { Solver = (MimeticSolver)42 }));
        Assert.Contains("Solver", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WidthNotDivisibleByHeadsIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new SelfAttention(30, 4));
        using var weight = zeros(3 * 30, 30);
        using var projection = zeros(30, 30);
        var slot = new AttentionSlot("x", "test", 30, 4, weight, null, projection, null);
        Assert.Throws<ArgumentException>(() => MimeticInitializer.ApplyToLayer(slot, MimeticOptions.Vision, null));
    }

    [Fact]
    public void ModelWithoutAttentionIsAClearError()
    {
        using var mlp = nn.Sequential(nn.Linear(4, 4), nn.ReLU());
        var error = Assert.Throws<ArgumentException>(() => MimeticInitializer.Apply(mlp, MimeticOptions.Vision));
        Assert.Contains("no attention layer", error.Message, StringComparison.Ordinal);
    }

    private static double RelativeError(Tensor actual, Tensor expected) =>
        (linalg.norm(actual - expected) / linalg.norm(expected)).item<float>();

    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    private static SelfAttention NewAttention(out Tensor originalWeights)
    {
        manual_seed(99);
        var attention = new SelfAttention(48, 3);
        originalWeights = attention.Qkv.weight!.detach().clone();
        return attention;
    }

    /// <summary>Recomputes each layer's targets from the same seed and draw order, independently of the initializer's SVD split.</summary>
    private static void AssertProductsMatchTargets(IReadOnlyList<AttentionSlot> slots, MimeticOptions options)
    {
        var generator = new Generator(Seed);
        foreach (var slot in slots)
        {
            using var scope = NewDisposeScope();
            var noise = MimeticMath.DrawLayerNoise(slot.Width, slot.Heads, generator);
            var k = slot.HeadWidth;
            var queryKey = AttentionProducts.QueryKey(slot).to(ScalarType.Float64);
            for (var head = 0; head < slot.Heads; head++)
            {
                var target = noise.QueryKey[head].to(ScalarType.Float64) * options.Alpha1 + eye(slot.Width, dtype: ScalarType.Float64) * options.Beta1;
                var (u, s, vh) = linalg.svd(target, fullMatrices: false);
                var truncated = u[.., ..k].matmul(diag(s[..k])).matmul(vh[..k]);
                Assert.True(queryKey[head].allclose(truncated, rtol: 1e-4, atol: 1e-5), $"{slot.Name} head {head}: W_q·W_kᵀ is not the rank-{k} truncation");
                Assert.False(queryKey[head].allclose(target, rtol: 1e-2, atol: 1e-3), "a rank-k product cannot equal the full-rank target");
            }

            var voTarget = noise.ValueProjection.to(ScalarType.Float64) * options.Alpha2
                + eye(slot.Width, dtype: ScalarType.Float64) * (options.ValueProjectionSign * options.Beta2);
            var valueProjection = AttentionProducts.ValueProjection(slot).to(ScalarType.Float64);
            Assert.True(valueProjection.allclose(voTarget, rtol: 1e-4, atol: 1e-5), $"{slot.Name}: W_v·W_proj differs from α2·Z + sign·β2·I");
        }
    }
}
