using Mimetic.Benchmarks;
using Mimetic.Models;
using Mimetic.Tests.Cli;
using TorchSharp.Modules;

namespace Mimetic.Tests.Benchmarks;

public class BenchmarkTests
{
    [Fact]
    public void ForwardFlopsMatchACountOverTheModelsLayers()
    {
        var config = VisionPresets.Get("vit-micro");
        using var model = new VisionTransformer(config);
        double tokens = config.Tokens;
        double expected = 0;
        foreach (var (name, module) in model.named_modules())
        {
            if (module is Linear linear)
            {
                var (outFeatures, inFeatures) = (linear.weight!.shape[0], linear.weight!.shape[1]);
                expected += 2.0 * inFeatures * outFeatures * (name == "head" ? 1 : tokens);
            }
            else if (module is Conv2d conv)
            {
                expected += 2.0 * conv.weight!.numel() * config.GridSize * config.GridSize;
            }
        }

        expected += config.Depth * 2 * (2.0 * tokens * tokens * config.Width);   // scores and weighted values
        Assert.Equal(expected, ModelFlops.ForwardPerImage(config), 6);
        Assert.Equal(3 * expected, ModelFlops.TrainingPerImage(config), 6);
    }

    [Fact]
    public void GptFlopsMatchACountOverTheModelsLayers()
    {
        var config = GptPresets.Get("gpt-micro", 65);
        using var model = new Gpt(config);
        double expected = 0;
        foreach (var (_, module) in model.named_modules())
        {
            if (module is Linear linear)
            {
                expected += 2.0 * linear.weight!.numel();   // per token
            }
        }

        expected += config.Depth * 2 * (2.0 * config.ContextLength * config.Width);   // scores and weighted values over the context
        expected += 2.0 * config.Width * config.VocabSize;                           // tied output layer
        Assert.Equal(expected, ModelFlops.GptForwardPerToken(config), 6);
        Assert.Equal(3 * expected, ModelFlops.GptTrainingPerToken(config), 6);
    }

    [Theory]
    [InlineData(65, 1_851_648, 0.0090)]          // Tiny Shakespeare by character
    [InlineData(10_002, 4_395_520, 0.5825)]      // Brown corpus words: 10,000 + <unk> + <eod>
    [InlineData(50_257, 14_700_800, 0.8752)]     // GPT-2 BPE
    public void TheOutputLayerOfGptCpuCostsTwoDVFlopsPerToken(int vocabulary, double forward, double share)
    {
        var config = GptPresets.Get("gpt-cpu", vocabulary);

        Assert.Equal(1_835_008 + (2.0 * 128 * vocabulary), ModelFlops.GptForwardPerToken(config));   // 4 blocks × 458,752 + 2·d·V
        Assert.Equal(forward, ModelFlops.GptForwardPerToken(config));
        Assert.Equal(2.0 * 128 * vocabulary, ModelFlops.GptOutputLayerForwardPerToken(config));
        Assert.Equal(share, ModelFlops.GptOutputLayerShare(config), 4);
    }

    [Fact]
    public void GptBenchSmokeRunReportsTokensPerSecond()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mimetic-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output) = CliRunner.Run("bench", "--model", "gpt-micro", "--vocab", "10002", "--batch-size", "2", "--steps", "1", "--warmup", "0", "--json", path);
            Assert.Equal(0, code);
            Assert.Contains("train tokens/s", output, StringComparison.Ordinal);
            Assert.Contains("vocabulary 10002", output, StringComparison.Ordinal);
            Assert.Contains("output layer share of training FLOPs", output, StringComparison.Ordinal);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var mimetic = json.RootElement.GetProperty("mimetic");
            Assert.Equal(32, mimetic.GetProperty("ContextLength").GetInt32());
            Assert.Equal(10_002, mimetic.GetProperty("VocabSize").GetInt32());
            Assert.True(mimetic.GetProperty("TrainTokensPerSecond").GetDouble() > 0);
            Assert.True(mimetic.GetProperty("EvalTokensPerSecond").GetDouble() > mimetic.GetProperty("TrainTokensPerSecond").GetDouble() / 10);
            Assert.InRange(mimetic.GetProperty("TrainFractionOfCeiling").GetDouble(), 0, 10);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BenchRejectsAnUnknownModelInOneLine()
    {
        var result = CliRunner.Run("bench", "--model", "resnet-50", "--steps", "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("unknown --model 'resnet-50'", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void BlockProfileCountsTheSameFlopsAsTheModel()
    {
        var config = VisionPresets.Get("vit-micro");
        const int batch = 4;
        var operations = BlockProfile.Run(config, batch, warmup: 0, steps: 1);
        double patches = config.GridSize * config.GridSize;
        var outsideBlocks = (2 * patches * config.Channels * config.PatchSize * config.PatchSize * config.Width) + (2.0 * config.Width * config.Classes);
        var perImageInBlocks = config.Depth * operations.Sum(op => op.PerBlock * op.ForwardFlops) / batch;
        Assert.Equal(ModelFlops.ForwardPerImage(config) - outsideBlocks, perImageInBlocks, 6);
        Assert.Equal(2, operations.Single(op => op.Name == "layer norm").PerBlock);
        Assert.Throws<ArgumentException>(() => BlockProfile.Run(config, 0, 0, 1));
    }

    [Fact]
    public void BenchCommandSmokeRunWritesJson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mimetic-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output) = CliRunner.Run("bench", "--model", "vit-micro", "--batch-size", "8", "--steps", "1", "--warmup", "0", "--no-init", "--replicas", "2", "--json", path);
            Assert.Equal(0, code);
            Assert.Contains("train images/s", output, StringComparison.Ordinal);
            Assert.Contains("training with 2 replicas", output, StringComparison.Ordinal);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var mimetic = json.RootElement.GetProperty("mimetic");
            Assert.True(mimetic.GetProperty("TrainImagesPerSecond").GetDouble() > 0);
            Assert.True(mimetic.GetProperty("MatmulGflops").GetDouble() > 0);
            Assert.InRange(mimetic.GetProperty("TrainFractionOfCeiling").GetDouble(), 0, 10);
            Assert.Equal(2, mimetic.GetProperty("Replicas").GetInt32());
            Assert.True(mimetic.GetProperty("ReplicatedTrainImagesPerSecond").GetDouble() > 0);
            var operations = json.RootElement.GetProperty("blockOperations").EnumerateArray().ToList();
            Assert.Equal(9, operations.Count);
            var fused = Assert.Single(operations, op => op.GetProperty("Name").GetString()!.Contains("fused C# kernel", StringComparison.Ordinal));
            Assert.Equal(0, fused.GetProperty("PerBlock").GetInt32());   // timed for comparison, not part of the model's step
            Assert.All(operations, op => Assert.True(op.GetProperty("ForwardSeconds").GetDouble() > 0 && op.GetProperty("BackwardSeconds").GetDouble() > 0));
            Assert.Contains("attention (SDPA)", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
