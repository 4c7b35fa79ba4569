using Mimetic.Data;
using Mimetic.Io;
using Mimetic.Reports;
using Mimetic.Training;
using Mimetic.Vision;
using static TorchSharp.torch;

namespace Mimetic.Tests.Training;

/// <summary>
/// Loads CIFAR-10 once for the training tests, as the command line finds it. Where it is nowhere and cannot be
/// downloaded, each test skips (or fails; see <see cref="RealData"/>) when it calls <see cref="RequireData"/>.
/// </summary>
public sealed class CifarFixture
{
    private readonly DatasetSplits? data;
    private readonly string? missing;

    public CifarFixture()
    {
        missing = RealData.Cifar10Missing;
        if (missing is null)
        {
            data = DatasetCatalog.Load("cifar10", dataDirectory: null);
        }
    }

    public DatasetSplits Data => data ?? throw RealData.Unavailable(missing ?? "CIFAR-10 was not loaded");

    /// <summary>Skips the calling test (or fails it) if CIFAR-10 could not be had.</summary>
    public void RequireData() => RealData.Require(missing);
}

public sealed class TrainerTests(CifarFixture cifar) : IClassFixture<CifarFixture>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-trainer-").FullName;

    private static TrainingConfig Tiny(string init = "mimetic", int epochs = 2) => new()
    {
        Model = "vit-micro",
        Init = init,
        Seed = 3,
        Epochs = epochs,
        BatchSize = 50,
        TrainSize = 300,
        TestSize = 200,
        WarmupEpochs = 0.5,
        Threads = 2,
    };

    [SkippableFact]
    public void TinyRunCompletesAndWritesEveryArtifact()
    {
        cifar.RequireData();
        var directory = Path.Combine(root, "run");
        var result = Train(Tiny(), directory);

        Assert.Equal(RunState.Completed, result.State);
        Assert.Equal([1, 2], result.Metrics.Select(m => m.Epoch));
        Assert.All(result.Metrics, m => Assert.InRange(m.TestAccuracy, 0, 1));
        Assert.All(result.Metrics, m => Assert.True(double.IsFinite(m.TrainLoss) && m.TrainLoss > 0));
        var files = new RunFiles(directory);
        Assert.Equal(Tiny(), files.ReadConfig());
        Assert.Equal(Tiny(), files.ReadConfig<TrainingConfig>());
        Assert.Equal(RunState.Completed, files.ReadStatus()!.State);
        Assert.Equal(result.Metrics, files.ReadMetrics<EpochMetrics>());
        Assert.Equal(3, File.ReadAllLines(files.MetricsCsvPath).Length);
        Assert.NotEmpty(Directory.GetFiles(files.TensorBoardDirectory, "*tfevents*", SearchOption.AllDirectories));
        Assert.True(Checkpoint.Exists(files.CheckpointDirectory));
        Assert.True(File.Exists(files.WeightsPath(1)) && File.Exists(files.WeightsPath(2)));
        var weights = Safetensors.Open(files.WeightsPath(2));
        Assert.Equal("2", weights.Metadata["mimetic.epoch"]);
        Assert.True(weights.Contains("blocks.0.attn.qkv.weight"));
        Assert.False(Directory.Exists(files.CheckpointDirectory + ".tmp"));
    }

    [SkippableFact]
    public void ResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        cifar.RequireData();
        var straight = Path.Combine(root, "straight");
        var split = Path.Combine(root, "split");
        Train(Tiny(epochs: 2), straight);
        var first = Train(Tiny(epochs: 2), split, untilEpoch: 1);
        Assert.Equal(RunState.Stopped, first.State);
        Assert.Single(first.Metrics);
        var resumed = Train(Tiny(epochs: 2), split);

        Assert.Equal(RunState.Completed, resumed.State);
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(split).WeightsPath(2));
        Assert.Equal(new RunFiles(straight).ReadMetrics<EpochMetrics>().Select(m => m.TestAccuracy), resumed.Metrics.Select(m => m.TestAccuracy));
    }

    [SkippableFact]
    public void CancelledRunSavesMidEpochAndResumesToTheSameWeights()
    {
        cifar.RequireData();
        var straight = Path.Combine(root, "straight");
        var stopped = Path.Combine(root, "stopped");
        Train(Tiny(epochs: 1), straight);

        using var cancel = new CancellationTokenSource();
        var stopAfterTwo = new StopAfter(2, cancel);
        var first = Train(Tiny(epochs: 1), stopped, observer: stopAfterTwo, cancellation: cancel.Token);
        Assert.Equal(RunState.Stopped, first.State);
        Assert.Equal(RunState.Stopped, new RunFiles(stopped).ReadStatus()!.State);

        var second = Train(Tiny(epochs: 1), stopped);
        Assert.Equal(RunState.Completed, second.State);
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(1), new RunFiles(stopped).WeightsPath(1));
    }

    [SkippableFact]
    public void DivergingLossStopsTheRunAndKeepsTheLastGoodCheckpoint()
    {
        cifar.RequireData();
        var directory = Path.Combine(root, "nan");
        var config = Tiny(epochs: 2) with { LearningRate = 1e6, MinLearningRate = 1e6, WarmupEpochs = 0, GradientClip = 0 };
        var result = Train(config, directory);

        Assert.Equal(RunState.Diverged, result.State);
        Assert.Contains("NaN", result.Message, StringComparison.Ordinal);
        Assert.Equal(RunState.Diverged, new RunFiles(directory).ReadStatus()!.State);
        Assert.True(result.Metrics.Count < 2);
    }

    [SkippableFact]
    public void ResumingWithAnotherConfigIsRefused()
    {
        cifar.RequireData();
        var directory = Path.Combine(root, "run");
        Train(Tiny(epochs: 1), directory);
        var error = Assert.Throws<ArgumentException>(() => Train(Tiny(epochs: 1) with { LearningRate = 0.5 }, directory));
        Assert.Contains("different config", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ComparisonReportIsWrittenFromRunDirectories()
    {
        cifar.RequireData();
        foreach (var init in new[] { "default", "mimetic" })
        {
            foreach (var seed in new[] { 0L, 1L })
            {
                Train(Tiny(init, epochs: 1) with { Seed = seed }, Path.Combine(root, "cmp", $"{init}-seed{seed}"));
            }
        }

        var summary = ComparisonReport.Write(Path.Combine(root, "cmp"), "test report");
        Assert.Equal(["default", "mimetic"], summary.Inits.Select(i => i.Init));
        Assert.All(summary.Inits, i => Assert.Equal(2, i.Runs.Count));
        var expected = summary.Inits[0].Runs.Average(r => r.Final("TestAccuracy"));
        Assert.Equal(expected, summary.Target, 12);
        Assert.Equal(1, summary.Inits[0].ToTarget);
        var report = File.ReadAllText(Path.Combine(root, "cmp", ComparisonReport.ReportFile));
        Assert.Contains("| mimetic | 2 |", report, StringComparison.Ordinal);
        foreach (var png in new[] { MetricSchema.Vision.PrimaryPlot, ComparisonReport.LossPlot })
        {
            var bytes = File.ReadAllBytes(Path.Combine(root, "cmp", png));
            Assert.True(bytes.Length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
        }
    }

    [SkippableFact]
    public void RunTrajectoryStartsAtTheInitAndRebuildsItWhenEpochZeroIsMissing()
    {
        cifar.RequireData();
        var directory = Path.Combine(root, "trajectory");
        Train(Tiny(epochs: 2), directory);

        var saved = Mimetic.Analysis.RunTrajectory.Analyze(directory);
        Assert.Equal([0, 1, 2], saved.Epochs.Select(e => e.Epoch));
        Assert.All(saved.Epochs[0].Layers, l => Assert.InRange(l.ValueProjection.MeanDiagonal, -0.5, -0.3));
        Assert.All(saved.Epochs[0].Layers, l => Assert.True(l.QueryKeyIdentityScore > 0.3));

        File.Delete(new RunFiles(directory).WeightsPath(0));
        var rebuilt = Mimetic.Analysis.RunTrajectory.Analyze(directory);
        Assert.Equal([0, 1, 2], rebuilt.Epochs.Select(e => e.Epoch));
        for (var layer = 0; layer < saved.Epochs[0].Layers.Count; layer++)
        {
            Assert.Equal(saved.Epochs[0].Layers[layer].ValueProjection.MeanDiagonal, rebuilt.Epochs[0].Layers[layer].ValueProjection.MeanDiagonal, 6);
            Assert.Equal(saved.Epochs[0].Layers[layer].QueryKeyIdentityScore, rebuilt.Epochs[0].Layers[layer].QueryKeyIdentityScore, 6);
        }

        var plots = TrajectoryFigures.Save([saved, rebuilt], Path.Combine(root, "plots"), "test");
        Assert.All(plots, p => Assert.True(new FileInfo(p).Length > 1000));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private TrainingResult<EpochMetrics> Train(TrainingConfig config, string directory, ITrainingObserver? observer = null, int? untilEpoch = null, CancellationToken cancellation = default)
    {
        using var task = new VisionTask(config, cifar.Data);
        return new TrainingLoop<EpochMetrics>(task, directory, observer).Run(untilEpoch is { } epoch ? task.RoundEnd(epoch - 1) : null, cancellation: cancellation);
    }


    private sealed class StopAfter(int steps, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void StepFinished(StepReport report)
        {
            if (report.StepInRound >= steps)
            {
                cancel.Cancel();
            }
        }
    }
}
