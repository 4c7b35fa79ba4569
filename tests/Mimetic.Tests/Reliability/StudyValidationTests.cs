using Mimetic.Cli;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Issue 24, class 4: a study is checked whole — every option against the option table of its runs' command, every
/// init name, every key, its name — before anything is planned or written, with the messages a command line gets.
/// </summary>
public sealed class StudyValidationTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-study-check-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("""{"base": {"epoch": 2}, "axes": [{"name": "init", "values": ["default"]}]}""",
        "base: unknown option '--epoch' for 'train'; did you mean '--epochs'?")]
    [InlineData("""{"base": {"epochs": "two"}, "axes": [{"name": "init", "values": ["default"]}]}""",
        "base: --epochs needs a whole number, not 'two'")]
    [InlineData("""{"axes": [{"name": "init", "values": ["default"]}, {"name": "lr", "values": [0.001, "fast"]}]}""",
        "axis 'lr', value 'fast': --lr needs a number, not 'fast'")]
    [InlineData("""{"axes": [{"name": "init", "values": ["default"]}, {"name": "v", "values": [{"trian-size": 100}]}]}""",
        "axis 'v', value 'trian-size=100': unknown option '--trian-size' for 'train'; did you mean '--train-size'?")]
    [InlineData("""{"base": {"steps": 100}, "axes": [{"name": "init", "values": ["default"]}]}""",
        "base: 'steps' is an option of 'lm-train', but this study's kind is 'vision' ('train')")]
    [InlineData("""{"kind": "language", "base": {"epochs": 3}, "axes": [{"name": "init", "values": ["default"]}]}""",
        "base: 'epochs' is an option of 'train', but this study's kind is 'language' ('lm-train')")]
    [InlineData("""{"base": {"epochs": true}, "axes": [{"name": "init", "values": ["default"]}]}""",
        "base: --epochs needs a value; 'mimetic train --help' describes it")]
    [InlineData("""{"base": {"randaugment": "yes"}, "axes": [{"name": "init", "values": ["default"]}]}""",
        "base: --randaugment is a flag; give true or false, not 'yes'")]
    public void AnOptionThatTheRunsCommandWouldRefuseIsRefusedFirst(string json, string message)
    {
        var (file, runs) = Study(json);

        foreach (var plan in new[] { true, false })
        {
            var result = plan ? CliRunner.Run("study", file, "--plan", "--runs", runs) : CliRunner.Run("study", file, "--runs", runs);

            Assert.Equal(ErrorReport.UsageError, result.ExitCode);
            Assert.Equal($"error: {file}: {message}", Assert.Single(result.ErrorLines));
            Assert.Empty(result.Output.Trim());
            Assert.False(Directory.Exists(runs));
        }
    }

    [Theory]
    [InlineData("""{"axes": [{"name": "init", "values": ["default", "mimetc"]}]}""", "unknown init 'mimetc'; known: ")]
    [InlineData("""{"base": {"init": "mimetic", "epochs": 2}, "axes": [{"name": "epochs", "values": [1, 3]}]}""",
        "'epochs' is set in \"base\" and again by axis 'epochs'; set it in one place")]
    [InlineData("""{"axes": [{"name": "init", "values": ["default"]}], "axis": []}""", "the study has the unknown key 'axis'; known keys: ")]
    [InlineData("""{"axes": [{"name": "init", "values": ["default"], "label": ["a"]}]}""", "axis 'init' has the unknown key 'label'; known keys: ")]
    [InlineData("""{"name": "../escape", "axes": [{"name": "init", "values": ["default"]}]}""", "the study's \"name\" '../escape' must be one folder name")]
    [InlineData("""{"name": "/tmp/elsewhere", "axes": [{"name": "init", "values": ["default"]}]}""", "the study's \"name\" '/tmp/elsewhere' must be one folder name")]
    [InlineData("""{"name": "..", "axes": [{"name": "init", "values": ["default"]}]}""", "the study's \"name\" '..' must be one folder name")]
    [InlineData("""{"name": " ", "axes": [{"name": "init", "values": ["default"]}]}""", "the study's \"name\" is empty")]
    [InlineData("""
        {"axes": [{"name": "init", "values": ["default", "mimetic"]}],
         "claim": {"paper": "p", "anchor": "a", "setting": "s", "rule": "gain", "inits": ["mimetic-qk"]}}
        """, "the claim is about init 'mimetic-qk', which the grid does not train (its inits: default, mimetic)")]
    public void AGridThatMeansSomethingElseIsRefused(string json, string message)
    {
        var (file, runs) = Study(json);

        var result = CliRunner.Run("study", file, "--plan", "--runs", runs);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.StartsWith($"error: {file}: {message}", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(runs));
    }

    [Fact]
    public void AReproductionOfAClaimTheGridDoesNotHaveIsRefused()
    {
        var (file, _) = Study("""
            {"axes": [{"name": "init", "values": ["default", "mimetic"]}],
             "claim": {"paper": "p", "anchor": "a", "setting": "s", "rule": "gain", "inits": ["mimetic-vo"]}}
            """);

        var result = CliRunner.Run("reproduction", file, "--out", Path.Combine(root, "reproduction.md"));

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.StartsWith($"error: {file}: the claim is about init 'mimetic-vo'", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "reproduction.md")));
    }

    [Theory]
    [InlineData("--runs", "", "error: --runs is empty; give the folder of the run directories")]
    [InlineData("--out", " ", "error: --out is empty; give the report folder, or leave --out out for runs/studies/<study name>")]
    public void AnEmptyFolderIsRefused(string option, string value, string message)
    {
        var (file, runs) = Study("""{"axes": [{"name": "init", "values": ["default"]}]}""");

        var result = option == "--runs" ? CliRunner.Run("study", file, "--report", "--runs", value) : CliRunner.Run("study", file, "--report", "--runs", runs, option, value);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal(message, Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(runs));
    }

    [Fact]
    public void AValidGridStillPlans()
    {
        var (file, runs) = Study("""
            {"name": "fine", "base": {"model": "vit-micro", "epochs": 1, "randaugment": true, "dataset": null},
             "axes": [{"name": "init", "values": ["default", "mimetic"]}, {"name": "seed", "values": [0, 1]},
                      {"name": "v", "values": [{"lr": 0.001}, {"lr": 0.002, "alpha1": 0.5}]}]}
            """);

        var result = CliRunner.Run("study", file, "--plan", "--runs", runs);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(8, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private (string File, string Runs) Study(string json)
    {
        var file = Path.Combine(root, "study.json");
        File.WriteAllText(file, json);
        return (file, Path.Combine(root, "runs"));
    }
}
