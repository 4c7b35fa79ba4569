using System.Diagnostics;
using Mimetic.Cli;
using Mimetic.Cli.Commands;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using Mimetic.Vision;
using Spectre.Console.Testing;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Every way out of a run leaves a final status and the documented exit code (issue 24, class 2): a disk that fills up
/// during a checkpoint, and a stop signal that arrives while the run is finishing.
/// </summary>
public sealed class FinalStateTests : IDisposable
{
    private static readonly string[] Tiny = ["--model", "vit-micro", "--train-size", "200", "--test-size", "100", "--batch-size", "50", "--epochs", "2", "--threads", "1"];
    private readonly string mount = Directory.CreateTempSubdirectory("mimetic-full-disk-").FullName;
    private bool mounted;

    [SkippableFact]
    public void ADiskThatFillsDuringACheckpointEndsTheRunAsFailedWithOneErrorLine()
    {
        RealData.RequireCifar10();
        Skip.IfNot(Mount("400k"), "a small tmpfs cannot be mounted here (needs root)");
        var run = Path.Combine(mount, "run");

        var result = CliRunner.Run(["train", .. Tiny, "--out", run]);

        Assert.Equal(ErrorReport.Failure, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output + result.Error, StringComparison.Ordinal);
        var status = new RunFiles(run).ReadStatus();
        Assert.True(status is null || status.State == RunState.Failed, $"status.json says {status?.State}");
    }

    [SkippableFact]
    public void TheFinalStatusIsWrittenEvenWhenTheDiskIsFull()
    {
        Skip.IfNot(Mount("256k"), "a small tmpfs cannot be mounted here (needs root)");
        var files = new RunFiles(Path.Combine(mount, "run"));
        Directory.CreateDirectory(files.Directory);
        files.WriteStatus(new RunStatus(RunState.Running, 1, "training"));
        Fill(Path.Combine(mount, "filler"));
        Assert.Throws<IOException>(() => files.WriteStatus(new RunStatus(RunState.Running, 2, "training")));   // the disk is full

        files.WriteFinalStatus(new RunStatus(RunState.Failed, 1, "failed: no space left"));

        Assert.Equal(RunState.Failed, files.ReadStatus()!.State);
    }

    [Fact]
    public void AStopSignalDuringTheLastRoundGivesItsExitCodeEvenIfTheRunCompleted()
    {
        using var signals = new StopSignals(new TestConsole());
        Assert.Equal(0, RunCommand<TrainSettings, TrainingConfig, EpochMetrics>.ExitCode(RunState.Completed, signals));
        signals.Request(StopSignals.Terminated);
        Assert.Equal(StopSignals.Terminated, RunCommand<TrainSettings, TrainingConfig, EpochMetrics>.ExitCode(RunState.Completed, signals));
        Assert.Equal(StopSignals.Terminated, RunCommand<TrainSettings, TrainingConfig, EpochMetrics>.ExitCode(RunState.Stopped, signals));
        Assert.Equal(ErrorReport.Failure, RunCommand<TrainSettings, TrainingConfig, EpochMetrics>.ExitCode(RunState.Failed, signals));
    }

    public void Dispose()
    {
        if (mounted)
        {
            Process.Start("umount", ["-l", mount])!.WaitForExit();
        }

        Directory.Delete(mount, recursive: true);
    }

    private bool Mount(string size)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return false;
        }

        using var process = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", mount]) { RedirectStandardError = true })!;
        process.WaitForExit();
        mounted = process.ExitCode == 0;
        return mounted;
    }

    private static void Fill(string path)
    {
        using var stream = File.Create(path);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // full
        }
    }
}
