using System.Diagnostics;
using System.Runtime.Versioning;
using Mimetic.Studies;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using Mimetic.Vision;

namespace Mimetic.Tests.Studies;

/// <summary><c>mimetic study FILE --plan --slurm DIR</c>: the job array, its report step and the script that submits both (issue 23).</summary>
[SupportedOSPlatform("linux")]
public sealed class SlurmScriptTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-slurm-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Study(string threads = "\"threads\": 1, ") => Write("tiny.json", $$"""
        {
          "name": "tiny",
          "base": { "model": "vit-micro", "train-size": 100, "epochs": 1, {{threads}}"batch-size": 50 },
          "axes": [ { "name": "seed", "values": [0, 1] }, { "name": "init", "values": ["default", "mimetic"] } ],
          "main": "init"
        }
        """);

    private string Write(string name, string text)
    {
        var path = Path.Combine(root, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void TheArrayHasOneTaskPerMissingRunAndTheReportRunsAfterIt()
    {
        var study = Study();
        var pool = Path.Combine(root, "pool");
        var runs = StudyGrid.Expand(StudyDefinition.Load(study), pool);
        Complete(runs[1]);   // one run done already: three tasks
        var scripts = Path.Combine(root, "slurm");

        var result = CliRunner.Run("study", study, "--runs", pool, "--plan", "--slurm", scripts, "--slurm-mem", "1500M", "--launcher", "dotnet /opt/m/Mimetic.Cli.dll");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("(3 array tasks, one per missing run of 4)", result.Output, StringComparison.Ordinal);
        var array = File.ReadAllText(Path.Combine(scripts, SlurmScripts.ArrayFile));
        var lines = array.Split('\n');
        Assert.Equal("#!/bin/bash", lines[0]);
        Assert.Contains("#SBATCH --array=0-2", lines);
        Assert.Contains("#SBATCH --cpus-per-task=1", lines);
        Assert.Contains("#SBATCH --mem=1500M", lines);
        Assert.Contains("#SBATCH --job-name=mimetic-tiny", lines);
        // Every #SBATCH line comes before the first command: sbatch stops reading them there.
        var firstCommand = Array.FindIndex(lines, l => l.Length > 0 && !l.StartsWith('#'));
        Assert.True(Array.FindLastIndex(lines, l => l.StartsWith("#SBATCH", StringComparison.Ordinal)) < firstCommand);
        var tasks = lines.Where(l => l.TrimStart().Length > 1 && char.IsAsciiDigit(l.TrimStart()[0])).Select(l => l.Trim()).ToList();
        var missing = new[] { runs[0], runs[2], runs[3] };
        Assert.Equal(missing.Select((r, i) => $"{i}) exec {r.CommandLine("dotnet /opt/m/Mimetic.Cli.dll")} ;;"), tasks);

        var report = File.ReadAllText(Path.Combine(scripts, SlurmScripts.ReportFile));
        Assert.Contains($"exec dotnet /opt/m/Mimetic.Cli.dll study {study} --report --runs {pool}\n", report, StringComparison.Ordinal);
        var submit = File.ReadAllText(Path.Combine(scripts, SlurmScripts.SubmitFile));
        Assert.Contains("--dependency=\"afterany:$array\"", submit, StringComparison.Ordinal);
        Assert.Contains($"--chdir={Directory.GetCurrentDirectory()}", submit, StringComparison.Ordinal);
        Assert.Contains("--output=\"$here/logs/run-%A_%a.log\"", submit, StringComparison.Ordinal);
        Assert.True(File.GetUnixFileMode(Path.Combine(scripts, SlurmScripts.SubmitFile)).HasFlag(UnixFileMode.UserExecute));
        foreach (var script in new[] { SlurmScripts.ArrayFile, SlurmScripts.ReportFile, SlurmScripts.SubmitFile })
        {
            Assert.Equal(0, Bash(["-n", Path.Combine(scripts, script)], null).Code);   // each is valid bash
        }
    }

    [Fact]
    public void PathsWithSpacesAndQuotesAreOneWordEachWhenTheTaskRuns()
    {
        var folder = Path.Combine(root, "it's a pool");
        var study = Study();
        var runs = StudyGrid.Expand(StudyDefinition.Load(study), folder);
        var missing = runs.Take(2).ToList();
        // A launcher that prints its arguments one a line shows what the task would run, word by word.
        var echo = Write("echo-args.sh", "#!/bin/bash\nprintf '%s\\n' \"$@\"\n");
        var scripts = SlurmScripts.Create(StudyDefinition.Load(study), missing,
            new SlurmOptions("bash " + echo, study, folder, Path.Combine(root, "my report"), Path.Combine(root, "work dir"), "4G"));
        var directory = Path.Combine(root, "scripts");
        scripts.Write(directory);

        var task = Bash(Path.Combine(directory, SlurmScripts.ArrayFile), environment: new() { ["SLURM_ARRAY_TASK_ID"] = "1" });
        Assert.Equal(0, task.Code);
        Assert.Equal([missing[1].Command, .. missing[1].Arguments], task.Output.TrimEnd('\n').Split('\n'));

        var report = Bash(Path.Combine(directory, SlurmScripts.ReportFile));
        Assert.Equal(["study", study, "--report", "--runs", folder, "--out", Path.Combine(root, "my report")], report.Output.TrimEnd('\n').Split('\n'));

        var outside = Bash(Path.Combine(directory, SlurmScripts.ArrayFile), environment: new() { ["SLURM_ARRAY_TASK_ID"] = "2" });
        Assert.Equal(2, outside.Code);
        Assert.Equal("error: array task 2 has no run (this array has 2)\n", outside.Error);
        Assert.Contains(StudyRunQuoted("--chdir=" + Path.Combine(root, "work dir")), scripts.Submit, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmitSendsTheArrayThenTheReportAfterItWithTheGivenOptions()
    {
        var study = Study();
        var pool = Path.Combine(root, "pool");
        var runs = StudyGrid.Expand(StudyDefinition.Load(study), pool);
        var directory = Path.Combine(root, "slurm");
        SlurmScripts.Create(StudyDefinition.Load(study), runs, new SlurmOptions("mimetic", study, pool, null, root, "4G")).Write(directory);
        // A fake sbatch that records its arguments and answers like --parsable (job id;cluster).
        var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        var log = Path.Combine(root, "sbatch.log");
        var sbatch = Write(Path.Combine("bin", "sbatch"), $"#!/bin/bash\necho \"$*\" >> '{log}'\nn=$(wc -l < '{log}')\necho \"$((n + 40));cluster\"\n");
        File.SetUnixFileMode(sbatch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var submitted = Bash(Path.Combine(directory, SlurmScripts.SubmitFile), ["--partition=debug"], new() { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });

        Assert.True(submitted.Code == 0, submitted.Error);
        Assert.Equal("submitted job array 41 (4 runs) and report job 42 (after the array)\n", submitted.Output);
        var calls = File.ReadAllLines(log);
        Assert.Equal(2, calls.Length);
        Assert.Equal($"--parsable --chdir={root} --output={directory}/logs/run-%A_%a.log --partition=debug {directory}/{SlurmScripts.ArrayFile}", calls[0]);
        Assert.Equal($"--parsable --chdir={root} --dependency=afterany:41 --output={directory}/logs/report-%j.log --partition=debug {directory}/{SlurmScripts.ReportFile}", calls[1]);
        Assert.True(Directory.Exists(Path.Combine(directory, "logs")));
    }

    [Fact]
    public void RunsThatUseEveryCoreAskForWholeNodes()
    {
        var study = Study(threads: "");
        var runs = StudyGrid.Expand(StudyDefinition.Load(study), Path.Combine(root, "pool"));

        var scripts = SlurmScripts.Create(StudyDefinition.Load(study), runs, new SlurmOptions("mimetic", study, "pool", null, root, "4G"));

        Assert.Contains("\n#SBATCH --exclusive\n", scripts.Array, StringComparison.Ordinal);
        Assert.DoesNotContain("--cpus-per-task", scripts.Array, StringComparison.Ordinal);
    }

    [Fact]
    public void WithEveryRunCompleteNothingIsWritten()
    {
        var study = Study();
        var pool = Path.Combine(root, "pool");
        foreach (var run in StudyGrid.Expand(StudyDefinition.Load(study), pool))
        {
            Complete(run);
        }

        var result = CliRunner.Run("study", study, "--runs", pool, "--plan", "--slurm", Path.Combine(root, "slurm"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("nothing to submit: all 4 runs of tiny have completed", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "slurm")));
    }

    [Theory]
    [InlineData(new[] { "--slurm", "x" }, "error: --slurm writes the plan as a Slurm job array: give --plan with it")]
    [InlineData(new[] { "--plan", "--slurm-mem", "4G" }, "error: --slurm-mem is the memory of each Slurm array task: give --plan --slurm DIR with it")]
    [InlineData(new[] { "--plan", "--slurm", "x", "--slurm-mem", "4 GB" }, "error: --slurm-mem must be a size sbatch --mem takes (a whole number, optionally K, M, G or T: 4G, 1500M), not '4 GB'")]
    public void SlurmOptionsOutsideAPlanAreUsageErrors(string[] options, string expected)
    {
        var result = CliRunner.Run(["study", Study(), "--runs", Path.Combine(root, "pool"), .. options]);

        Assert.Equal(Mimetic.Cli.ErrorReport.UsageError, result.ExitCode);
        Assert.Equal(expected, Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(Path.Combine(root, "x")));
    }

    private static string StudyRunQuoted(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Complete(StudyRun run)
    {
        var files = new RunFiles(run.Directory);
        files.WriteConfig(new TrainingConfig { Model = "vit-micro", Init = run.Init, Seed = run.Seed, Epochs = 1 });
        files.WriteStatus(new RunStatus(RunState.Completed, 1, "fake"));
        files.WriteMetrics([new EpochMetrics(1, 2.0, 0.2, 2.0, 0.2, 1e-3, 1, 100, 1)]);   // a completed run has its metrics line
    }

    private static (int Code, string Output, string Error) Bash(string script, string[]? arguments = null, Dictionary<string, string>? environment = null) =>
        Bash([script, .. arguments ?? []], environment);

    private static (int Code, string Output, string Error) Bash(string[] arguments, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(30_000), "bash did not finish within 30 s");
        return (process.ExitCode, output.Result, error.Result);
    }
}
