using Mimetic.Cli;
using Mimetic.Init;
using Mimetic.Language;
using Mimetic.Models;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using TorchSharp;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Issue 24, class 8: values that used to give a silent wrong result — a huge α, a missing run folder to analyse, a
/// step count so large that the number of evaluations overflowed — are errors, or now do what they say.
/// </summary>
public sealed class ValueLimitTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-limits-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("--alpha1", "1e30", "1E+30")]
    [InlineData("--beta1", "1e7", "10000000")]
    [InlineData("--alpha2", "1e300", "1E+300")]
    [InlineData("--beta2", "-1", "-1")]
    [InlineData("--alpha1", "NaN", "NaN")]
    [InlineData("--alpha1", "1e400", "infinity")]
    public void AnInitScaleThatIsNotAFiniteNumberOfSensibleSizeIsRefusedBeforeAnythingIsWritten(string option, string value, string shown)
    {
        var path = Path.Combine(root, "weights.safetensors");

        var result = CliRunner.Run("init", "--model", "vit-micro", "--init", "mimetic", option, value, "--out", path);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: {option} must be a finite number between 0 and 1000000, not {shown}", Assert.Single(result.ErrorLines));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void TheLargestScaleStillInitializes()
    {
        var path = Path.Combine(root, "weights.safetensors");

        var result = CliRunner.Run("init", "--model", "vit-micro", "--init", "mimetic", "--alpha1", "1e6", "--out", path);

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void AnInitWhoseWeightsOverflowIsAnErrorNotAModel()
    {
        using var model = new VisionTransformer(VisionPresets.Get("vit-micro"));
        var slot = AttentionFinder.Find(model)[0];
        var huge = new MimeticOptions(Alpha1: 1e30, Solver: MimeticSolver.Float32Gram);   // past Validate, as a caller of ApplyToLayer may be
        using var generator = new torch.Generator(1);

        var error = Assert.Throws<ArgumentException>(() => MimeticInitializer.ApplyToLayer(slot, huge, generator));

        Assert.StartsWith("mimetic initialization with α1 = 1E+30, β1 = 0.7, α2 = 0.4, β2 = 0.4 gives NaN, infinite or overflowing weights in ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnalyzingAMissingRunFolderIsAnErrorAndCreatesNothing()
    {
        var missing = Path.Combine(root, "no-such-run");

        var result = CliRunner.Run("analyze-run", missing);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: run folder '{missing}' does not exist", Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void ReadingARunFolderCreatesNothing()
    {
        var missing = Path.Combine(root, "not-a-run");

        var files = new RunFiles(missing);

        Assert.False(files.Exists);
        Assert.Null(files.ReadStatus());
        Assert.Empty(files.ReadMetrics<LanguageMetrics>());
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData(int.MaxValue, 200, 10_737_419)]
    [InlineData(int.MaxValue, 1, int.MaxValue)]
    [InlineData(2000, 200, 10)]
    [InlineData(2001, 200, 11)]
    public void TheNumberOfEvaluationsDoesNotOverflow(int steps, int interval, int evaluations)
    {
        var config = new LanguageTrainingConfig { Steps = steps, EvalInterval = interval };

        Assert.Equal(evaluations, config.Evaluations);
    }

    [Fact]
    public void UntilStepStopsThereWhateverTheNumberOfSteps()
    {
        var text = Path.Combine(root, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Range(0, 4000).Select(i => "abcdefgh "[i % 9])));
        var run = Path.Combine(root, "run");

        var result = CliRunner.Run("lm-train", "--text", text, "--model", "gpt-micro", "--steps", "2147483647", "--until-step", "5", "--out", run);

        Assert.True(result.ExitCode == 130, result.Error);   // stopped as asked, resumable
        var status = new RunFiles(run).ReadStatus()!;
        Assert.Equal(RunState.Stopped, status.State);
        Assert.StartsWith("stopped after step 5,", status.Message, StringComparison.Ordinal);
    }
}
