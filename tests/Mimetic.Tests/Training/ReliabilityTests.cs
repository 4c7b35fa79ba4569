using System.Diagnostics;
using Mimetic.Cli;
using Mimetic.Io;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using Mimetic.Vision;

namespace Mimetic.Tests.Training;

/// <summary>
/// No silent wrong results from training: divergence in any form ends the run as Diverged, damaged run files are
/// refused with the file named, resume takes no option that would change the run, and signals and crashes at any
/// point leave a run that resumes to the same weights as an uninterrupted one.
/// </summary>
public sealed class ReliabilityTests : IDisposable
{
    private static readonly string[] Tiny = ["--model", "vit-micro", "--train-size", "200", "--test-size", "100", "--batch-size", "50", "--epochs", "2", "--threads", "1"];

    private readonly string root = Directory.CreateTempSubdirectory("mimetic-reliability-").FullName;

    [SkippableFact]
    public void AHugeLearningRateEndsAsDivergedNotCompleted()
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "nan");
        var result = CliRunner.Run(["train", .. CliRunner.With(Tiny, "--epochs", "1"), "--lr", "1e30", "--min-lr", "1e30", "--out", run]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(RunState.Diverged, new RunFiles(run).ReadStatus()!.State);
        Assert.Contains("NaN", result.Output, StringComparison.Ordinal);
        Assert.Empty(new RunFiles(run).ReadMetrics<EpochMetrics>());   // the diverged epoch is not recorded as a result
    }

    [SkippableFact]
    public void TrainingRecordsItsDeviceAndAsksForTheCudaPackageWhereThereIsNone()
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "device");
        var cuda = CliRunner.Run(["train", .. Tiny, "--device", "cuda", "--out", run]);
        Assert.Equal(2, cuda.ExitCode);
        Assert.Contains("libtorch-cuda-12.8-linux-x64", Assert.Single(cuda.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));

        var (code, output) = CliRunner.Run(["train", .. Tiny, "--device", "cpu", "--out", run, "--until-epoch", "1"]);
        Assert.Equal(130, code);
        Assert.Contains("on cpu", output, StringComparison.Ordinal);
        Assert.Equal("cpu", new RunFiles(run).ReadConfig().Device);
        var resumed = CliRunner.Run("train", "--resume", run, "--device", "auto");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("--device auto applied", resumed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteWeightsAreDetected()
    {
        using var model = new Mimetic.Models.VisionTransformer(Mimetic.Models.VisionPresets.Get("vit-micro"));
        Assert.True(OptimizerStep.AllFinite(model));
        using (TorchSharp.torch.no_grad())
        {
            model.parameters().First().fill_(float.NaN);
        }

        Assert.False(OptimizerStep.AllFinite(model));
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "partial-checkpoint", "is incomplete (no optimizer.bin)" },
        { "empty-position", "position.json is damaged" },
        { "huge-epochs", "position.json does not fit this run" },
        { "huge-batches", "position.json does not fit this run" },
        { "earlier-position", "position.json does not fit this run" },
        { "garbage-optimizer", "optimizer.bin is damaged" },
        { "garbage-metrics", "metrics.jsonl line 1 is damaged" },
        { "lost-metrics", "metrics.jsonl has 0 of the 1 epoch lines" },
        { "conflicting-option", "--lr would change it" },
        { "flipped-optimizer", "optimizer.bin is damaged: it is not the file the checkpoint recorded" },
        { "flipped-weights", "model.safetensors is damaged: it is not the file the checkpoint recorded" },
        { "edited-seed", "was written for another config" },
        { "edited-learning-rate", "was written for another config" },
        { "foreign-checkpoint", "was written for another config" },
    };

    [SkippableTheory]
    [MemberData(nameof(Damages))]
    public void ResumeRefusesDamagedRunFilesAndNamesTheFile(string damage, string expected)
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "run");
        Assert.Equal(130, CliRunner.Run(["train", .. Tiny, "--out", run, "--until-epoch", "1"]).ExitCode);
        var checkpoint = Path.Combine(run, "checkpoint");
        string[] extra = [];
        switch (damage)
        {
            case "partial-checkpoint": File.Delete(Path.Combine(checkpoint, "optimizer.bin")); break;
            case "empty-position": File.WriteAllText(Path.Combine(checkpoint, "position.json"), "{}"); break;
            case "huge-epochs": File.WriteAllText(Path.Combine(checkpoint, "position.json"), """{ "EpochsCompleted": 2147483647, "BatchesIntoEpoch": 0, "Step": 4 }"""); break;
            case "huge-batches": File.WriteAllText(Path.Combine(checkpoint, "position.json"), """{ "EpochsCompleted": 1, "BatchesIntoEpoch": 1000000, "Step": 4 }"""); break;
            case "earlier-position": File.WriteAllText(Path.Combine(checkpoint, "position.json"), """{ "EpochsCompleted": 0, "BatchesIntoEpoch": 0, "Step": 0 }"""); break;
            case "garbage-optimizer": File.WriteAllBytes(Path.Combine(checkpoint, "optimizer.bin"), [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 37))]); break;
            case "garbage-metrics": File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{\"Epoch\": 1, \u0007garbage\n"); break;
            case "lost-metrics": File.WriteAllText(Path.Combine(run, "metrics.jsonl"), ""); break;
            case "conflicting-option": extra = ["--lr", "0.5"]; break;
            case "flipped-optimizer": FlipByte(Path.Combine(checkpoint, "optimizer.bin")); break;
            case "flipped-weights": FlipByte(Path.Combine(checkpoint, "model.safetensors")); break;
            case "edited-seed": EditConfig(run, "\"Seed\": 0", "\"Seed\": 1"); break;
            case "edited-learning-rate": EditConfig(run, "\"LearningRate\": 0.001", "\"LearningRate\": 0.002"); break;
            case "foreign-checkpoint":
                var other = Path.Combine(root, "other-seed");
                Assert.Equal(130, CliRunner.Run(["train", .. Tiny, "--seed", "1", "--out", other, "--until-epoch", "1"]).ExitCode);
                Directory.Delete(checkpoint, recursive: true);
                Directory.Move(Path.Combine(other, "checkpoint"), checkpoint);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(damage));
        }

        var result = CliRunner.Run(["train", "--resume", run, .. extra]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains(expected, result.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Output + result.Error, c => char.IsControl(c) && c is not '\n' and not '\r');   // no raw bytes from a damaged file
        Assert.NotEqual(RunState.Running, new RunFiles(run).ReadStatus()!.State);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void ARunInterruptedBeforeItsFirstCheckpointStartsAfreshToTheSameWeights(bool withResume)
    {
        RealData.RequireCifar10();
        var straight = Path.Combine(root, "straight");
        Assert.Equal(0, CliRunner.Run(["train", .. Tiny, "--out", straight]).ExitCode);
        var run = Path.Combine(root, "run");
        Assert.Equal(130, CliRunner.Run(["train", .. Tiny, "--out", run, "--until-epoch", "1"]).ExitCode);
        // As a kill -9 while the first checkpoint is written leaves it: a metrics line, the epoch's weights, a half-written checkpoint.
        Directory.Move(Path.Combine(run, "checkpoint"), Path.Combine(run, "checkpoint.tmp"));
        File.Delete(Path.Combine(run, "checkpoint.tmp", "optimizer.bin"));

        var (code, output) = withResume ? CliRunner.Run("train", "--resume", run) : CliRunner.Run(["train", .. Tiny, "--out", run]);

        Assert.Equal(0, code);
        Assert.Contains("starts afresh", output, StringComparison.Ordinal);
        Assert.Equal([1, 2], new RunFiles(run).ReadMetrics<EpochMetrics>().Select(m => m.Epoch));
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(run).WeightsPath(2));
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoint.tmp")));
    }

    [SkippableFact]
    public void ARunWhoseCheckpointVanishedAfterSeveralEpochsIsRefusedNotRestarted()
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "run");
        Assert.Equal(130, CliRunner.Run(["train", .. CliRunner.With(Tiny, "--epochs", "3"), "--out", run, "--until-epoch", "2"]).ExitCode);
        Directory.Delete(Path.Combine(run, "checkpoint"), recursive: true);

        var result = CliRunner.Run("train", "--resume", run);

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains("has no checkpoint", error, StringComparison.Ordinal);
        Assert.Contains("2 epochs were done", error, StringComparison.Ordinal);
        Assert.Equal(2, new RunFiles(run).ReadMetrics<EpochMetrics>().Count);   // nothing was discarded
    }

    [SkippableFact]
    public void ACheckpointFromBeforeManifestsStillResumesToTheSameWeights()
    {
        RealData.RequireCifar10();
        var straight = Path.Combine(root, "straight");
        Assert.Equal(0, CliRunner.Run(["train", .. Tiny, "--out", straight]).ExitCode);
        var run = Path.Combine(root, "run");
        Assert.Equal(130, CliRunner.Run(["train", .. Tiny, "--out", run, "--until-epoch", "1"]).ExitCode);
        File.Delete(Path.Combine(run, "checkpoint", "manifest.json"));   // as the committed runs of earlier versions have it

        Assert.Equal(0, CliRunner.Run("train", "--resume", run).ExitCode);
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(run).WeightsPath(2));
    }

    [Fact]
    public void AStatusThatSaysCompletedWithoutMetricsIsNotACompletedRun()
    {
        var files = new RunFiles(Path.Combine(root, "claimed"));
        Directory.CreateDirectory(files.Directory);
        files.WriteConfig(new TrainingConfig());
        files.WriteStatus(new RunStatus(RunState.Completed, 10, "completed"));
        Assert.False(Mimetic.Studies.StudyRunner.IsCompleted(files.Directory));
        File.WriteAllText(files.MetricsJsonPath, string.Concat(Enumerable.Repeat("{\"Epoch\": 1}\n", 9)));
        Assert.False(Mimetic.Studies.StudyRunner.IsCompleted(files.Directory));   // 9 lines for 10 epochs
        File.AppendAllText(files.MetricsJsonPath, "{\"Epoch\": 10}\n");
        Assert.True(Mimetic.Studies.StudyRunner.IsCompleted(files.Directory));
        files.WriteStatus(new RunStatus(RunState.Completed, 0, "completed"));
        Assert.False(Mimetic.Studies.StudyRunner.IsCompleted(files.Directory));
    }

    private static void FlipByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[^9] ^= 0x10;   // inside the data, past any header
        File.WriteAllBytes(path, bytes);
    }

    private static void EditConfig(string run, string from, string to)
    {
        var path = Path.Combine(run, "config.json");
        var text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    [SkippableFact]
    public void ResumeAppliesTheOptionsItMayTakeAndSaysSo()
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "run");
        Assert.Equal(130, CliRunner.Run(["train", .. Tiny, "--out", run, "--until-epoch", "1"]).ExitCode);
        var (code, output) = CliRunner.Run("train", "--resume", run, "--epochs", "3");
        Assert.Equal(0, code);
        Assert.Contains("--epochs 3 applied", output, StringComparison.Ordinal);
        Assert.Equal(3, new RunFiles(run).ReadMetrics<EpochMetrics>().Count);
    }

    [SkippableFact]
    public void ACrashDuringTheCheckpointWriteOrBetweenItsRenamesResumesToTheSameWeights()
    {
        RealData.RequireCifar10();
        var straight = Path.Combine(root, "straight");
        Assert.Equal(0, CliRunner.Run(["train", .. Tiny, "--out", straight]).ExitCode);
        foreach (var crash in new[] { "during-write", "between-renames" })
        {
            var run = Path.Combine(root, crash);
            Assert.Equal(130, CliRunner.Run(["train", .. Tiny, "--out", run, "--until-epoch", "1"]).ExitCode);
            var checkpoint = Path.Combine(run, "checkpoint");
            if (crash == "during-write")
            {
                Directory.CreateDirectory(checkpoint + ".tmp");   // the next checkpoint, half written
                File.WriteAllBytes(Path.Combine(checkpoint + ".tmp", "model.safetensors"), [1, 2, 3]);
            }
            else
            {
                Directory.Move(checkpoint, checkpoint + ".old");   // the old one moved aside, the new one not yet in place
            }

            var (code, output) = CliRunner.Run("train", "--resume", run);
            Assert.True(code == 0, output);
            WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(run).WeightsPath(2));
        }
    }

    [SkippableFact]
    public void SigtermCheckpointsAndExits143AndKillNineResumesFromTheLastCheckpointBothToTheSameWeights()
    {
        RealData.RequireCifar10();
        string[] longer = CliRunner.With(Tiny, "--train-size", "3000", "--epochs", "3");
        var straight = Path.Combine(root, "straight");
        Assert.Equal(0, CliRunner.Run(["train", .. longer, "--out", straight]).ExitCode);

        var terminated = Path.Combine(root, "sigterm");
        var (termCode, _) = RunAndSignal(["train", .. longer, "--out", terminated], "epoch   1/3", "TERM");
        Assert.Equal(StopSignals.Terminated, termCode);
        Assert.Equal(RunState.Stopped, new RunFiles(terminated).ReadStatus()!.State);
        Assert.True(Checkpoint.Exists(Path.Combine(terminated, "checkpoint")));

        var killed = Path.Combine(root, "kill9");
        var (killCode, _) = RunAndSignal(["train", .. longer, "--out", killed], "epoch   1/3", "KILL");
        Assert.Equal(137, killCode);
        Assert.Equal(RunState.Running, new RunFiles(killed).ReadStatus()!.State);   // nobody could say otherwise; resume repairs it

        foreach (var run in new[] { terminated, killed })
        {
            var (code, output) = CliRunner.Run("train", "--resume", run);
            Assert.True(code == 0, output);
            Assert.Equal(RunState.Completed, new RunFiles(run).ReadStatus()!.State);
            WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(3), new RunFiles(run).WeightsPath(3));
        }
    }

    /// <summary>Starts the CLI as its own process, waits for <paramref name="marker"/> on its output, then signals it.</summary>
    private static (int ExitCode, string Output) RunAndSignal(string[] args, string marker, string signal)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Mimetic.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var seen = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains(marker, StringComparison.Ordinal) == true)
            {
                seen.Set();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Assert.True(seen.Wait(TimeSpan.FromMinutes(3)), $"never saw '{marker}': {output}");   // epoch 1 is checkpointed; epoch 2 has begun
        using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the process did not stop");
        return (process.ExitCode, output.ToString());
    }


    public void Dispose() => Directory.Delete(root, recursive: true);
}
