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
    public void BenchCommandSmokeRunWritesJson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mimetic-bench-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output) = CliRunner.Run("bench", "--model", "vit-micro", "--batch-size", "8", "--steps", "1", "--warmup", "0", "--no-init", "--json", path);
            Assert.Equal(0, code);
            Assert.Contains("train images/s", output, StringComparison.Ordinal);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var mimetic = json.RootElement.GetProperty("mimetic");
            Assert.True(mimetic.GetProperty("TrainImagesPerSecond").GetDouble() > 0);
            Assert.True(mimetic.GetProperty("MatmulGflops").GetDouble() > 0);
            Assert.InRange(mimetic.GetProperty("TrainFractionOfCeiling").GetDouble(), 0, 10);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
