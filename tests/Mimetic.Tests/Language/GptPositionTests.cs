using Mimetic.Init;
using Mimetic.Models;
using Mimetic.Training;
using static TorchSharp.torch;

namespace Mimetic.Tests.Language;

public sealed class GptPositionTests : IDisposable
{
    private static readonly GptConfig Learned = GptPresets.Get("gpt-micro", vocabSize: 50);
    private static readonly GptConfig SinCos = Learned with { Position = GptPositionEmbedding.SinCos };

    private readonly string root = Directory.CreateTempSubdirectory("mimetic-pos-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void TheSinCosTableIsABufferThatNoGradientOrOptimizerStepChanges()
    {
        using var model = ModelFactory.CreateGpt(SinCos, WeightInit.Mimetic, seed: 1);
        using var expected = GptPositions.SinCos(SinCos.ContextLength, SinCos.Width);
        using var before = model.PositionTable.clone();
        var parameters = model.parameters().ToList();

        Assert.DoesNotContain(model.named_parameters(), p => p.name == "pos_embed");
        Assert.Contains("pos_embed", model.state_dict().Keys);
        Assert.False(model.PositionTable.requires_grad);
        Assert.True(before.Identical(expected));

        using var optimizer = OptimizerFactory.Create(model, learningRate: 1e-2, weightDecay: 0.1);
        using var tokens = randint(0, 50, [4, SinCos.ContextLength], dtype: ScalarType.Int64, generator: new Generator(3));
        using var embedBefore = parameters[0].clone();
        OptimizerStep.Take(optimizer, parameters, 1e-2, 1.0,
            () => nn.functional.cross_entropy(model.call(tokens).flatten(0, 1), tokens.roll(-1, 1).flatten()));

        Assert.True(model.PositionTable.Identical(expected), "the fixed table moved");
        Assert.False(parameters[0].Identical(embedBefore), "the step changed nothing");
    }

    [Fact]
    public void TheTableIsSinAndCosOfPositionTimesFrequencyAtTheLearnedTablesScale()
    {
        using var table = GptPositions.SinCos(128, 128);

        Assert.Equal([128L, 128], table.shape);
        Assert.Equal(0, table[0, ..64].abs().max().item<float>());                                   // sin(0)
        Assert.Equal(GptPositions.SinCosScale, table[0, 64..].mean().item<float>(), 6);              // cos(0)
        Assert.Equal(GptPositions.SinCosScale * Math.Sin(5.0), table[5, 0].item<float>(), 6);        // ω_0 = 1
        Assert.Equal(GptPositions.SinCosScale * Math.Cos(5.0 * Math.Pow(10000, -1.0 / 64)), table[5, 65].item<float>(), 6);
        Assert.Equal(0.02, table.pow(2).mean().sqrt().item<float>(), 3);
        Assert.Throws<ArgumentException>(() => GptPositions.SinCos(8, 7));
        Assert.Throws<ArgumentException>(() => new Gpt(SinCos with { Width = 33, Heads = 1 }));
    }

    [Fact]
    public void WithSinCosAFutureTokenStillCannotChangeEarlierLogits()
    {
        using var model = ModelFactory.CreateGpt(SinCos, WeightInit.Mimetic, seed: 2);
        model.eval();
        using var noGrad = no_grad();
        using var tokens = randint(0, 50, [2, 20], dtype: ScalarType.Int64, generator: new Generator(7));
        using var changed = tokens.clone();
        changed[.., 12] = (changed[.., 12] + 1) % 50;

        using var before = model.call(tokens);
        using var after = model.call(changed);
        Assert.True(before[.., ..12].Identical(after[.., ..12]), "positions before the change moved");
        Assert.False(before[.., 12..].allclose(after[.., 12..]), "the changed position had no effect");
    }

    [Fact]
    public void ForOneSeedSinCosSharesEveryOtherWeightWithTheLearnedModel()
    {
        using var learned = ModelFactory.CreateGpt(Learned, WeightInit.Mimetic, seed: 4);
        using var fixedPositions = ModelFactory.CreateGpt(SinCos, WeightInit.Mimetic, seed: 4);
        var other = fixedPositions.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        Assert.Equal(learned.named_parameters().Count() - 1, other.Count);
        foreach (var (name, parameter) in learned.named_parameters().Where(p => p.name != "pos_embed"))
        {
            Assert.True(parameter.Identical(other[name]), name);
        }

        Assert.False(learned.PositionTable.Identical(fixedPositions.PositionTable));
    }

    [Fact]
    public void SavedSinCosWeightsLoadIntoTheSameModel()
    {
        using var model = ModelFactory.CreateGpt(SinCos, WeightInit.Default, seed: 5);
        var path = Path.Combine(root, "w.safetensors");
        Checkpoint.SaveWeights(path, model);
        using var loaded = new Gpt(SinCos);

        Checkpoint.LoadWeights(path, loaded);

        foreach (var (name, tensor) in model.state_dict())
        {
            Assert.True(tensor.Identical(loaded.state_dict()[name]), name);
        }

        Assert.False(loaded.PositionTable.requires_grad);
        Assert.Equal(Learned, GptPresets.Get("gpt-micro", 50));   // the default stays learned
        Assert.Equal(GptPositionEmbedding.Learned, new Mimetic.Language.LanguageTrainingConfig().ModelConfig(65).Position);
        Assert.Equal(GptPositionEmbedding.SinCos, new Mimetic.Language.LanguageTrainingConfig { Position = "sincos" }.ModelConfig(65).Position);
    }
}
