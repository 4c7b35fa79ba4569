using Mimetic.Io;
using Mimetic.Reports;
using Mimetic.Tests.Cli;
using Mimetic.Training;

namespace Mimetic.Tests.Language;

public sealed class LanguageCliTests(LanguageTestData data) : IClassFixture<LanguageTestData>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-lmcli-").FullName;

    private string[] Common => ["--text", data.TextPath, "--model", "gpt-micro", "--steps", "40", "--eval-interval", "20", "--batch-size", "8", "--warmup", "5", "--threads", "1"];

    [SkippableFact]
    public void LmTrainStopsResumesToTheSameWeightsAndSamples()
    {
        data.RequireData();
        var straight = Path.Combine(root, "straight");
        var split = Path.Combine(root, "split");
        var (code, output) = CliRunner.Run(["lm-train", .. Common, "--init", "speedrun-vo", "--out", straight]);
        Assert.True(code == 0, output);
        Assert.Contains("step 40:", output, StringComparison.Ordinal);

        var (first, stopped) = CliRunner.Run(["lm-train", .. Common, "--init", "speedrun-vo", "--out", split, "--until-step", "25"]);
        Assert.Equal(130, first);
        Assert.Contains("stopped after step 25", stopped, StringComparison.Ordinal);
        var (second, resumed) = CliRunner.Run("lm-train", "--resume", split);
        Assert.True(second == 0, resumed);
        Assert.Contains("resuming", resumed, StringComparison.Ordinal);

        var left = Safetensors.Open(new RunFiles(straight).WeightsPath(2)).ReadAll();
        var right = Safetensors.Open(new RunFiles(split).WeightsPath(2)).ReadAll();
        Assert.All(left, p => Assert.True(p.Value.Identical(right[p.Key]), p.Key));

        var (sampled, text) = CliRunner.Run("sample", "--run", split, "--prompt", "KING", "--tokens", "30", "--seed", "4");
        Assert.Equal(0, sampled);
        var generated = text.Split('\n', 2)[1];   // after the one-line header
        Assert.StartsWith("KING", generated, StringComparison.Ordinal);
        Assert.True(generated.TrimEnd('\n').Length >= 34 - 1);
        Assert.Equal(text, CliRunner.Run("sample", "--run", split, "--prompt", "KING", "--tokens", "30", "--seed", "4").Output);
    }

    [SkippableFact]
    public void LmCompareWritesTheReportAndReportRegeneratesIt()
    {
        data.RequireData();
        var comparison = Path.Combine(root, "cmp");
        var (code, output) = CliRunner.Run(["lm-compare", .. CliRunner.With(Common, "--steps", "20"), "--inits", "default,mimetic+", "--seeds", "0", "--out", comparison]);
        Assert.True(code == 0, output);
        Assert.Contains("mimetic+", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(comparison, "mimetic+-seed0", "tokenizer.json")));
        var report = File.ReadAllText(Path.Combine(comparison, ComparisonReport.ReportFile));
        Assert.Contains("`mimetic lm-compare --text ", report, StringComparison.Ordinal);
        Assert.Contains("| mimetic+ | 1 |", report, StringComparison.Ordinal);

        File.Delete(Path.Combine(comparison, MetricSchema.Language.PrimaryPlot));
        var (again, regenerated) = CliRunner.Run("report", comparison);
        Assert.True(again == 0, regenerated);
        Assert.True(File.Exists(Path.Combine(comparison, MetricSchema.Language.PrimaryPlot)));
    }

    [Theory]
    [InlineData("lm-train", "--steps", "0")]
    [InlineData("lm-train", "--tokenizer", "bytes")]
    [InlineData("lm-train", "--model", "vit-cpu")]
    [InlineData("lm-train", "--init", "xavier")]
    [InlineData("lm-train", "--train-fraction", "1.5")]
    [InlineData("lm-train", "--text", "/nonexistent/text.txt")]
    [InlineData("lm-train", "--resume", "/nonexistent/run")]
    [InlineData("lm-compare", "--inits", "default,bogus")]
    [InlineData("lm-compare", "--seeds", "a,b")]
    [InlineData("sample")]
    [InlineData("sample", "--run", "/nonexistent/run")]
    [InlineData("sample", "--run", ".", "--temperature", "-1")]
    public void BadInputGetsOneLineAndNonZeroExit(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", line, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void AContextLongerThanTheTextAndAnUnknownPromptCharacterAreOneLineErrors()
    {
        data.RequireData();
        var small = Path.Combine(root, "small.txt");
        File.WriteAllText(small, string.Concat(Enumerable.Repeat("to be or not ", 30)));
        var failed = CliRunner.Run("lm-train", "--text", small, "--model", "gpt-cpu", "--out", Path.Combine(root, "x"));
        Assert.Equal(2, failed.ExitCode);
        Assert.Contains("fewer than one window", failed.Error, StringComparison.Ordinal);

        var run = Path.Combine(root, "run");
        Assert.Equal(0, CliRunner.Run(["lm-train", .. CliRunner.With(Common, "--steps", "20"), "--out", run]).ExitCode);
        var sample = CliRunner.Run("sample", "--run", run, "--prompt", "€");
        Assert.Equal(2, sample.ExitCode);
        Assert.StartsWith("error:", Assert.Single(sample.ErrorLines), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
