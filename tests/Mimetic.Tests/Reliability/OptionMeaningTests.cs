using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>Options that would silently mean something else than they say are usage errors (docs/reliability.md).</summary>
public sealed class OptionMeaningTests
{
    [Theory]
    [InlineData("train", "--until-epoch", "0", "--until-epoch must be at least 1, not 0")]
    [InlineData("train", "--until-epoch", "-3", "--until-epoch must be at least 1, not -3")]
    [InlineData("lm-train", "--until-step", "0", "--until-step must be at least 1, not 0")]
    [InlineData("lm-train", "--until-step", "-1", "--until-step must be at least 1, not -1")]
    public void AnEarlyStopBeforeTheFirstRoundIsRefused(string command, string option, string value, string message)
    {
        var result = CliRunner.Run(command, option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: " + message, Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("train", "--epochs", "3", "--epochs", "4")]
    [InlineData("train", "-e", "3", "--epochs", "4")]
    [InlineData("lm-train", "--steps", "3", "--steps=4", null)]
    public void AnOptionGivenTwiceIsRefusedWhateverNameItWentBy(string command, string first, string firstValue, string second, string? secondValue)
    {
        var result = secondValue is null ? CliRunner.Run(command, first, firstValue, second) : CliRunner.Run(command, first, firstValue, second, secondValue);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal($"error: {second.Split('=')[0]} is given more than once; give it once", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void AFlagGivenTwiceIsRefused()
    {
        var result = CliRunner.Run("train", "--randaugment", "--randaugment");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: --randaugment is given more than once; give it once", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("--seeds", "0,1,", "--seeds has an empty entry: '0,1,'")]
    [InlineData("--seeds", "0,,1", "--seeds has an empty entry: '0,,1'")]
    [InlineData("--inits", "default,mimetic,", "--inits has an empty entry: 'default,mimetic,'")]
    public void AComparisonListWithAnEmptyEntryIsRefused(string option, string value, string message)
    {
        var result = CliRunner.Run("compare", option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: " + message, Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("lm-train")]
    public void AnEmptyDataFolderIsRefusedRatherThanTakenAsNotGiven(string command)
    {
        var result = command == "train" ? CliRunner.Run(command, "--data", "", "--epochs", "1")
            : CliRunner.Run(command, "--data", "", "--steps", "1", "--warmup", "0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: --data names no folder (an empty value); leave it out to search the usual places", Assert.Single(result.ErrorLines));
    }
}
