using System.Diagnostics;
using System.Globalization;
using Mimetic.Studies;
using Mimetic.Training;

namespace Mimetic.Tests.Cluster;

/// <summary>
/// <c>mimetic study FILE --plan | parallel -j2</c>, as docs/cluster.md documents it, with the built CLI as real
/// processes (issue 23): a run killed with SIGKILL mid-way is the only one the re-issued plan trains, and it takes over
/// the lock its dead process left; two planners sharing a folder never train one run twice.
/// </summary>
public sealed class ParallelPlanTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-parallel-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static string Study(int epochs, int trainSize) => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "name": "tiny",
          "base": { "model": "vit-micro", "train-size": {{trainSize}}, "test-size": 100, "epochs": {{epochs}}, "batch-size": 50, "threads": 1 },
          "axes": [ { "name": "seed", "values": [0, 1] }, { "name": "init", "values": ["default", "mimetic"] } ],
          "main": "init"
        }
        """);

    private static string PlanThroughParallel(int jobs) =>
        $"{ClusterTools.Launcher} study tiny.json --runs runs --plan --launcher '{ClusterTools.Launcher}' | parallel --will-cite -j{jobs}";


    [SkippableFact]
    public void AKilledRunIsTheOnlyOneTheReissuedPlanTrainsAndItTakesOverTheDeadProcesssLock()
    {
        RealData.RequireCifar10();
        ClusterTools.Require("parallel");
        const int Epochs = 8;
        File.WriteAllText(Path.Combine(root, "tiny.json"), Study(Epochs, trainSize: 400));
        var runs = StudyGrid.Expand(StudyDefinition.Load(Path.Combine(root, "tiny.json")), Path.Combine(root, "runs"));
        var victim = new RunFiles(runs[0].Directory);

        using (var pipeline = ClusterTools.Start(PlanThroughParallel(2), root))
        {
            var output = pipeline.StandardOutput.ReadToEndAsync();
            var error = pipeline.StandardError.ReadToEndAsync();
            // Kill the first run's trainer once it has finished an epoch and is in the middle of the next ones.
            var killed = KillWhenMidway(victim, Epochs, pipeline);
            Assert.True(pipeline.WaitForExit(240_000), "the first plan did not finish within 4 minutes");
            Assert.True(pipeline.ExitCode == 1, $"parallel should report the one killed job: {pipeline.ExitCode} {output.Result}{error.Result}");
            Assert.Contains($"process {killed} on", File.ReadAllText(Path.Combine(victim.Directory, RunLock.FileName + ".owner")), StringComparison.Ordinal);
        }

        Assert.False(StudyRunner.IsCompleted(victim.Directory));
        var plan = ClusterTools.Bash($"{ClusterTools.Launcher} study tiny.json --runs runs --plan", root, TimeSpan.FromMinutes(1));
        var planned = StudyGrid.Expand(StudyDefinition.Load(Path.Combine(root, "tiny.json")), "runs");   // as the CLI sees them, from root
        Assert.Equal(planned[0].CommandLine("mimetic"), Assert.Single(plan.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var others = runs.Skip(1).ToDictionary(r => r.Directory, r => Snapshot(r.Directory));

        var again = ClusterTools.Bash(PlanThroughParallel(2), root, TimeSpan.FromMinutes(3));

        Assert.True(again.Code == 0, again.Text);
        Assert.Matches($"resuming .*{Path.GetFileName(victim.Directory)} at epoch [2-{Epochs}]", again.Output);   // from its checkpoint, not from scratch
        Assert.All(runs, r => Assert.True(StudyRunner.IsCompleted(r.Directory), r.Directory));
        Assert.Equal(Enumerable.Range(1, Epochs), File.ReadAllLines(victim.MetricsJsonPath).Select(Epoch));
        Assert.All(others, o => Assert.Equal(o.Value, Snapshot(o.Key)));   // the three complete runs were not touched
        Assert.DoesNotContain($"process {Environment.ProcessId} ", File.ReadAllText(Path.Combine(victim.Directory, RunLock.FileName + ".owner")), StringComparison.Ordinal);
        Assert.Equal("", ClusterTools.Bash($"{ClusterTools.Launcher} study tiny.json --runs runs --plan", root, TimeSpan.FromMinutes(1)).Output);
    }

    [SkippableFact]
    public void TwoPlannersSharingAFolderNeverTrainOneRunTwice()
    {
        RealData.RequireCifar10();
        ClusterTools.Require("parallel");
        File.WriteAllText(Path.Combine(root, "tiny.json"), Study(epochs: 1, trainSize: 200));
        var runs = StudyGrid.Expand(StudyDefinition.Load(Path.Combine(root, "tiny.json")), Path.Combine(root, "runs"));

        // Both plan all four runs before either has trained one, then each trains its plan, one run at a time.
        foreach (var planner in new[] { "a", "b" })
        {
            var planned = ClusterTools.Bash($"{ClusterTools.Launcher} study tiny.json --runs runs --plan --launcher '{ClusterTools.Launcher}' > {planner}.plan", root, TimeSpan.FromMinutes(1));
            Assert.True(planned.Code == 0, planned.Text);
            Assert.Equal(runs.Count, File.ReadAllLines(Path.Combine(root, planner + ".plan")).Length);
        }

        using var first = ClusterTools.Start("parallel --will-cite -j1 < a.plan", root);
        using var second = ClusterTools.Start("parallel --will-cite -j1 < b.plan", root);
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        Assert.True(first.WaitForExit(240_000) && second.WaitForExit(240_000), "the planners did not finish within 4 minutes");
        var text = string.Concat(outputs.Select(o => o.Out.Result + o.Err.Result));

        Assert.All(runs, r => Assert.True(StudyRunner.IsCompleted(r.Directory), r.Directory + ": " + text));
        Assert.All(runs, r => Assert.Single(File.ReadAllLines(new RunFiles(r.Directory).MetricsJsonPath)));
        // Eight commands for four runs: each run's second command found it held by the other planner or already complete.
        var held = Count(text, " is being trained by ");   // "by process N on HOST", or "by another process" before the holder wrote its name
        var complete = Count(text, "already complete");
        Assert.True(held + complete == runs.Count, $"{held} held + {complete} already complete, not {runs.Count}: {text}");
    }

    private static int KillWhenMidway(RunFiles run, int epochs, Process pipeline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3) && !pipeline.HasExited)
        {
            if (File.Exists(run.StatusPath) && run.ReadStatus() is { State: RunState.Running, EpochsCompleted: >= 1 } status && status.EpochsCompleted < epochs - 1)
            {
                var owner = File.ReadAllText(Path.Combine(run.Directory, RunLock.FileName + ".owner"));
                var pid = int.Parse(owner.Split(' ')[1], CultureInfo.InvariantCulture);
                using var trainer = Process.GetProcessById(pid);
                trainer.Kill();   // SIGKILL: no handler runs, the lock file and its owner line stay behind
                trainer.WaitForExit();
                return pid;
            }

            Thread.Sleep(20);
        }

        throw new Xunit.Sdk.XunitException($"{run.Directory} never reached the middle of its training (status: {(File.Exists(run.StatusPath) ? File.ReadAllText(run.StatusPath) : "none")})");
    }

    private static string Snapshot(string directory) =>
        string.Join("\n", Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {File.GetLastWriteTimeUtc(f).Ticks} {new FileInfo(f).Length}"));

    private static int Epoch(string metricsLine)
    {
        using var json = System.Text.Json.JsonDocument.Parse(metricsLine);
        return json.RootElement.EnumerateObject().First(p => p.Name.Equals("epoch", StringComparison.OrdinalIgnoreCase)).Value.GetInt32();
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
