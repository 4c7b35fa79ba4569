using Mimetic.Language;
using Mimetic.Tests.Language;
using Mimetic.Training;
using Mimetic.Vision;

namespace Mimetic.Tests.Cli;

/// <summary>
/// The config records are the one source of a run's defaults: a run started with only the options below given
/// writes exactly the config that <c>new TrainingConfig()</c> / <c>new LanguageTrainingConfig()</c> with those
/// options gives, field by field, so the command line and the library cannot disagree.
/// </summary>
public sealed class RunDefaultsTests(LanguageTestData data) : IClassFixture<LanguageTestData>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-defaults-").FullName;

    [SkippableFact]
    public void TrainWritesTheVisionConfigRecordsDefaults()
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "vision");
        var (code, output) = CliRunner.Run("train", "--model", "vit-micro", "--train-size", "200", "--test-size", "100", "--epochs", "1", "--warmup", "0", "--out", run);
        Assert.True(code == 0, output);

        var expected = new TrainingConfig { Model = "vit-micro", TrainSize = 200, TestSize = 100, Epochs = 1, WarmupEpochs = 0 };
        Assert.Equal(expected, new RunFiles(run).ReadConfig<TrainingConfig>());
    }

    [SkippableFact]
    public void LmTrainWritesTheLanguageConfigRecordsDefaultsIncludingGpt2sInit()
    {
        data.RequireData();
        var run = Path.Combine(root, "language");
        var (code, output) = CliRunner.Run("lm-train", "--text", data.TextPath, "--model", "gpt-micro", "--steps", "2", "--eval-interval", "1", "--warmup", "0", "--out", run);
        Assert.True(code == 0, output);

        var saved = new RunFiles(run).ReadConfig<LanguageTrainingConfig>();
        Assert.Equal("default", saved.Init);   // not the vision settings, which make a GPT worse (docs/results-lm.md)
        var expected = new LanguageTrainingConfig { Model = "gpt-micro", Steps = 2, EvalInterval = 1, WarmupSteps = 0, Text = saved.Text, TextSha256 = saved.TextSha256 };
        Assert.Equal(expected, saved);
        Assert.Equal(Path.GetFullPath(data.TextPath), saved.Text);
        Assert.Equal(64, saved.TextSha256.Length);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
