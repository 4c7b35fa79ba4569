using Mimetic.Studies;

namespace Mimetic.Tests.Cluster;

/// <summary>
/// <c>mimetic study FILE --plan --slurm DIR</c> end to end on a real, single-node Slurm cluster started by the test
/// (issue 23): the job array trains every run, the dependent report job writes the report, and that report is the one
/// the same study writes when it runs in one local process, byte for byte.
/// </summary>
public sealed class SlurmStudyTests : IDisposable
{
    /// <summary>Four runs (2 seeds × 2 inits) of 200 CIFAR-10 images, one thread each.</summary>
    internal const string TinyStudy = """
        {
          "name": "tiny",
          "base": { "model": "vit-micro", "train-size": 200, "test-size": 200, "epochs": 1, "batch-size": 50, "threads": 1 },
          "axes": [ { "name": "seed", "values": [0, 1] }, { "name": "init", "values": ["default", "mimetic"] } ],
          "main": "init"
        }
        """;

    private readonly string root = Directory.CreateTempSubdirectory("mimetic-slurm-study-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [SkippableFact]
    public void AJobArrayTrainsEveryRunAndItsReportEqualsTheLocalStudys()
    {
        RealData.RequireCifar10();
        using var cluster = SingleNodeSlurm.Start(cpus: 2, memoryMegabytes: 2000);
        var onCluster = Directory.CreateDirectory(Path.Combine(root, "cluster")).FullName;
        File.WriteAllText(Path.Combine(onCluster, "tiny.json"), TinyStudy);

        var plan = ClusterTools.Bash($"{ClusterTools.Launcher} study tiny.json --runs runs --out report --plan --slurm slurm --slurm-mem 900M --launcher '{ClusterTools.Launcher}'",
            onCluster, TimeSpan.FromMinutes(1));
        Assert.True(plan.Code == 0, plan.Text);
        Assert.Contains("(4 array tasks, one per missing run of 4)", plan.Output, StringComparison.Ordinal);

        var submitted = ClusterTools.Bash("bash slurm/submit.sh", onCluster, TimeSpan.FromMinutes(1), cluster.Environment);
        Assert.True(submitted.Code == 0, submitted.Text + cluster.Logs());
        Assert.Matches(@"^submitted job array \d+ \(4 runs\) and report job \d+ \(after the array\)\n$", submitted.Output);
        Assert.True(cluster.WaitForEmptyQueue(TimeSpan.FromMinutes(3)), "the jobs did not finish within 3 minutes: " + Logs(onCluster) + cluster.Logs());

        var runs = StudyGrid.Expand(StudyDefinition.Load(Path.Combine(onCluster, "tiny.json")), Path.Combine(onCluster, "runs"));
        Assert.All(runs, r => Assert.True(StudyRunner.IsCompleted(r.Directory), $"{r.Directory} did not complete: {Logs(onCluster)}"));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(onCluster, "slurm", "logs"), "run-*.log").Length);   // one log per task
        Assert.Single(Directory.GetFiles(Path.Combine(onCluster, "slurm", "logs"), "report-*.log"));

        // The same study in one local process, from a folder laid out the same way.
        var local = Directory.CreateDirectory(Path.Combine(root, "local")).FullName;
        File.WriteAllText(Path.Combine(local, "tiny.json"), TinyStudy);
        var alone = ClusterTools.Bash($"{ClusterTools.Launcher} study tiny.json --runs runs --out report", local, TimeSpan.FromMinutes(3));
        Assert.True(alone.Code == 0, alone.Text);
        // Identical but for wall-clock time: the report's seconds columns and the Seconds fields, which no two runs share.
        Assert.Equal(WithoutSeconds.Markdown(File.ReadAllText(Path.Combine(local, "report", "report.md"))),
            WithoutSeconds.Markdown(File.ReadAllText(Path.Combine(onCluster, "report", "report.md"))));
        Assert.Equal(WithoutSeconds.Json(File.ReadAllText(Path.Combine(local, "report", StudyResult.ResultsFile))),
            WithoutSeconds.Json(File.ReadAllText(Path.Combine(onCluster, "report", StudyResult.ResultsFile))));
        foreach (var run in StudyGrid.Expand(StudyDefinition.Load(Path.Combine(local, "tiny.json")), "runs"))
        {
            var metrics = Path.Combine(run.Directory, "metrics.jsonl");
            Assert.Equal(File.ReadAllLines(Path.Combine(local, metrics)).Select(WithoutSeconds.Json),
                File.ReadAllLines(Path.Combine(onCluster, metrics)).Select(WithoutSeconds.Json));   // every loss and accuracy, to the last bit
        }

        Assert.Contains("4 of 4 runs completed", File.ReadAllText(Path.Combine(onCluster, "report", "report.md")), StringComparison.Ordinal);
    }

    private static string Logs(string directory)
    {
        var logs = Path.Combine(directory, "slurm", "logs");
        return Directory.Exists(logs)
            ? string.Join("\n", Directory.GetFiles(logs).Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"))
            : "(no job logs)";
    }
}
