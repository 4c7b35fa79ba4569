using Mimetic.Cli;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>Class 1 of issue 13: an unknown or misspelled option or command is a usage error that names the nearest valid one.</summary>
public sealed class StrictOptionsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-strict-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("unknown option '--epoch' for 'train'; did you mean '--epochs'?", "train", "--epoch", "1")]
    [InlineData("unknown option '--train-szie' for 'train'; did you mean '--train-size'?", "train", "--train-szie", "200")]
    [InlineData("unknown option '--seed' for 'compare'; did you mean '--seeds'?", "compare", "--seed", "1")]
    [InlineData("unknown option '--step' for 'lm-train'; did you mean '--steps'?", "lm-train", "--step", "5")]
    [InlineData("unknown option '--temprature' for 'sample'; did you mean '--temperature'?", "sample", "--run", "x", "--temprature", "0.5")]
    [InlineData("unknown option '--seeed' for 'init'; did you mean '--seed'?", "init", "--seeed", "1")]
    [InlineData("unknown option '--head' for 'analyze'; did you mean '--heads'?", "analyze", "model.safetensors", "--head", "2")]
    [InlineData("unknown option '--modle' for 'bench'; did you mean '--model'?", "bench", "--modle", "vit-cpu")]
    [InlineData("unknown option '-x' for 'lm-compare'; 'mimetic lm-compare --help' lists its options", "lm-compare", "-x")]
    [InlineData("unknown option '--json' for 'presets'; 'mimetic presets --help' lists its options", "presets", "--json")]
    [InlineData("unknown command 'tran'; did you mean 'train'?", "tran")]
    [InlineData("unknown command 'lm-trian'; did you mean 'lm-train'?", "lm-trian")]
    [InlineData("unknown option '--verbose'; 'mimetic --help' lists the commands", "--verbose")]
    [InlineData("unknown command 'help'; commands: init, train, compare, lm-train, lm-compare, study, reproduction, sample, report, analyze-run, bench, presets, analyze, pretrained, export, predict", "help")]
    public void AnUnknownOptionIsAUsageErrorThatSuggestsTheNearest(string expected, params string[] args)
    {
        var result = CliRunner.Run(args);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal("error: " + expected, Assert.Single(result.ErrorLines));
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("--epochs needs a whole number, not 'abc'", "train", "--epochs", "abc")]
    [InlineData("--epochs needs a whole number from -2,147,483,648 to 2,147,483,647, not '1e12'", "train", "--epochs", "1e12")]
    [InlineData("--epochs needs a value; 'mimetic train --help' describes it", "train", "--epochs")]
    [InlineData("--lr needs a number, not 'fast'", "lm-train", "--lr=fast")]
    [InlineData("-n needs a whole number, not 'x'", "sample", "-nx")]
    [InlineData("--seed needs a whole number, not '1.5'", "init", "--seed", "1.5")]
    public void AValueThatDoesNotFitItsOptionIsNamed(string expected, params string[] args)
    {
        var result = CliRunner.Run(args);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal("error: " + expected, Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("init")]
    [InlineData("train")]
    [InlineData("compare")]
    [InlineData("lm-train")]
    [InlineData("lm-compare")]
    [InlineData("study")]
    [InlineData("reproduction")]
    [InlineData("sample")]
    [InlineData("report")]
    [InlineData("analyze-run")]
    [InlineData("bench")]
    [InlineData("presets")]
    [InlineData("analyze")]
    [InlineData("pretrained")]
    [InlineData("export")]
    [InlineData("predict")]
    public void EveryCommandsHelpPrintsItsOptions(string command)
    {
        var result = CliRunner.Run(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.ErrorLines);
        Assert.Contains("--help", result.Output);
    }

    [Fact]
    public void AMisspelledOptionStartsNoRun()
    {
        var run = Path.Combine(root, "run");

        var result = CliRunner.Run("train", "--model", "vit-micro", "--epoch", "1", "--train-size", "200", "--out", run);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void ValuesThatLookLikeOptionsAndInlineValuesStillParse()
    {
        var result = CliRunner.Run("init", "--model=vit-micro", "--vo-sign", "-1", "--alpha2", "0.3", "-s", "2", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Contains("\"Seed\": 2", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCommandsOwnOptionsAreAccepted()
    {
        var strict = new StrictCommandLine("mimetic");
        strict.Add<Mimetic.Cli.Commands.TrainCommand>("train");

        strict.Check(["train", "-e", "1", "--no-augment", "--lr", "1e-3", "--until-epoch", "1", "--init", "mimetic", "--help"]);
        Assert.Contains("--train-size", strict.OptionsOf("train"));
        Assert.Contains("--resume", strict.OptionsOf("train"));
        Assert.Throws<UsageException>(() => strict.Check(["train", "--steps", "1"]));
    }

    [Theory]
    [InlineData("--epoch", "--epochs", 1)]
    [InlineData("--train-szie", "--train-size", 1)]
    [InlineData("tran", "train", 1)]
    [InlineData("abc", "xyz", 3)]
    public void EditDistanceCountsASwapOnce(string a, string b, int distance) => Assert.Equal(distance, NearestName.Distance(a, b));

    [Fact]
    public void NothingIsSuggestedWhenNothingIsClose() =>
        Assert.Null(NearestName.Find("--colour", ["--epochs", "--model"]));
}
