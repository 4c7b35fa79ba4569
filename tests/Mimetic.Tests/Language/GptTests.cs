using Mimetic.Init;
using Mimetic.Models;
using Mimetic.Training;
using static TorchSharp.torch;

namespace Mimetic.Tests.Language;

public class GptTests
{
    private static readonly GptConfig Small = GptPresets.Get("gpt-micro", vocabSize: 50);

    [Fact]
    public void AFutureTokenCannotChangeAnEarlierPositionsLogits()
    {
        foreach (var init in new[] { WeightInit.Default, WeightInit.Mimetic })
        {
            using var model = ModelFactory.CreateGpt(Small, init, seed: 1);
            model.eval();
            using var noGrad = no_grad();
            var tokens = randint(0, 50, [2, 20], dtype: ScalarType.Int64, generator: new Generator(7));
            var changed = tokens.clone();
            changed[.., 12] = (changed[.., 12] + 1) % 50;

            using var before = model.call(tokens);
            using var after = model.call(changed);
            Assert.Equal([2L, 20, 50], before.shape);
            Assert.True(before[.., ..12].Identical(after[.., ..12]), $"{init}: positions before the change moved");
            Assert.False(before[.., 12..].allclose(after[.., 12..]), $"{init}: the changed position had no effect");
        }
    }

    [Fact]
    public void ParametersAreNamedTiedAndInitializedLikeGpt2()
    {
        var config = Small with { Width = 64, Depth = 4, Heads = 4 };
        using var model = ModelFactory.CreateGpt(config, WeightInit.Default, seed: 2);
        var names = model.named_parameters().Select(p => p.name).ToList();

        Assert.Contains("tok_embed.weight", names);
        Assert.Contains("pos_embed", names);
        Assert.Contains("blocks.3.attn.qkv.weight", names);
        Assert.Contains("norm.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("head", StringComparison.Ordinal));   // output tied to tok_embed
        Assert.Equal(model.parameters().Sum(p => p.numel()), model.ParameterCount);

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.InRange(parameters["blocks.0.attn.qkv.weight"].std().item<float>(), 0.018, 0.022);
        Assert.InRange(parameters["tok_embed.weight"].std().item<float>(), 0.017, 0.023);
        var residual = 0.02 / Math.Sqrt(2 * 4);
        Assert.InRange(parameters["blocks.1.attn.proj.weight"].std().item<float>(), 0.9 * residual, 1.1 * residual);
        Assert.InRange(parameters["blocks.2.mlp.fc2.weight"].std().item<float>(), 0.9 * residual, 1.1 * residual);
        Assert.Equal(0, parameters["blocks.0.mlp.fc1.bias"].abs().sum().item<float>());
        Assert.Equal(1, parameters["blocks.0.norm1.weight"].mean().item<float>());
    }

    [Fact]
    public void EmbeddingsNormsAndBiasesAreNotDecayed()
    {
        using var model = new Gpt(Small);
        var decayed = model.named_parameters().Where(p => OptimizerFactory.IsDecayed(p.name, p.parameter)).Select(p => p.name).ToList();

        Assert.Equal(Small.Depth * 4, decayed.Count);
        Assert.All(decayed, n => Assert.EndsWith("weight", n, StringComparison.Ordinal));
        Assert.DoesNotContain("tok_embed.weight", decayed);
        Assert.DoesNotContain("pos_embed", decayed);
    }

    [Fact]
    public void LongerThanTheContextIsAClearError()
    {
        using var model = new Gpt(Small);
        using var tokens = zeros(1, Small.ContextLength + 1, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => model.call(tokens));
        Assert.Contains("context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PresetsCoverCpuToGpt2Small()
    {
        Assert.Equal(["gpt-micro", "gpt-cpu", "gpt-mini", "gpt2-small"], GptPresets.Names);
        Assert.Equal(new GptConfig(65, 128, 128, 4, 4), GptPresets.Get("gpt-cpu", 65));
        Assert.Equal(new GptConfig(50257, 1024, 768, 12, 12), GptPresets.Get("gpt2-small", 50257));
        Assert.Throws<ArgumentException>(() => GptPresets.Get("gpt-huge", 65));
    }
}
