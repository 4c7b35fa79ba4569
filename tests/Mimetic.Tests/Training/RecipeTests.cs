using System.Text.Json;
using Mimetic.Data;
using Mimetic.Io;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Vision;
using static TorchSharp.torch;

namespace Mimetic.Tests.Training;

/// <summary>
/// The time-to-accuracy ingredients (weight average, linear decay, token drop, flip averaging, held-out split, shape
/// overrides, cumulative time): each changes the run when on, none is on by default, and all resume exactly.
/// </summary>
public sealed class RecipeTests(CifarFixture cifar) : IClassFixture<CifarFixture>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-recipe-").FullName;

    private static TrainingConfig Tiny(int epochs = 2) => new()
    {
        Model = "vit-micro",
        Seed = 5,
        Epochs = epochs,
        BatchSize = 50,
        TrainSize = 300,
        TestSize = 200,
        WarmupEpochs = 0.5,
        Threads = 2,
    };

    private static TrainingConfig AllIngredients(int epochs = 2) => Tiny(epochs) with
    {
        EmaDecay = 0.9,
        Schedule = DecayShape.Linear,
        MinLearningRate = 0,
        TokenDrop = 0.5,
        TokenDropEnd = 0.1,
        TestFlip = true,
        Holdout = 500,
        Shape = new ShapeOverrides(Width: 48, Depth: 1, Heads: 2, PatchSize: 4, MlpRatio: 2),
    };

    [Fact]
    public void NoIngredientIsOnByDefaultNorWrittenToTheConfigOfADefaultRun()
    {
        var config = new TrainingConfig();
        Assert.Equal((0.0, DecayShape.Cosine, 0.0, false), (config.EmaDecay, config.Schedule, config.TokenDrop, config.TestFlip));
        Assert.Null(config.Holdout);
        Assert.Null(config.Shape);
        var json = JsonSerializer.Serialize(config, RunFiles.Json);
        foreach (var key in new[] { "EmaDecay", "Schedule", "TokenDrop", "TokenDropEnd", "TestFlip", "Holdout", "Shape" })
        {
            Assert.DoesNotContain($"\"{key}\"", json, StringComparison.Ordinal);
        }

        var written = JsonSerializer.Serialize(AllIngredients(), RunFiles.Json);
        Assert.Equal(AllIngredients(), TrainingTasks.Parse(written, "test"));
    }

    [SkippableFact]
    public void AllIngredientsTogetherResumeMidEpochToTheSameWeightsAndAccuracies()
    {
        cifar.RequireData();
        var straight = Path.Combine(root, "straight");
        var stopped = Path.Combine(root, "stopped");
        var uninterrupted = Train(AllIngredients(), straight);
        Assert.Equal(RunState.Completed, uninterrupted.State);

        using var cancel = new CancellationTokenSource();
        var first = Train(AllIngredients(), stopped, new StopAt(step: 9, cancel), cancel.Token);   // step 9 of 12: mid epoch 2
        Assert.Equal(RunState.Stopped, first.State);
        Assert.True(File.Exists(Path.Combine(new RunFiles(stopped).CheckpointDirectory, "average.safetensors")));
        var resumed = Train(AllIngredients(), stopped);

        Assert.Equal(RunState.Completed, resumed.State);
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(stopped).WeightsPath(2));
        Assert.Equal(uninterrupted.Metrics.Select(m => (m.TestLoss, m.TestAccuracy, m.TrainLoss)), resumed.Metrics.Select(m => (m.TestLoss, m.TestAccuracy, m.TrainLoss)));
        var weights = Safetensors.Open(new RunFiles(stopped).WeightsPath(2));
        Assert.Equal([48L * 3, 48], weights.Read("blocks.0.attn.qkv.weight").shape);
        Assert.False(weights.Contains("blocks.1.attn.qkv.weight"));
    }

    [SkippableFact]
    public void ReplicasTrainAsOneModelUpToRoundingAndResumeMidEpochExactly()
    {
        cifar.RequireData();
        var config = Tiny() with { TokenDrop = 0.5, EmaDecay = 0.9 };
        var single = Train(config, Path.Combine(root, "single"));
        var straight = Path.Combine(root, "replicas");
        var replicated = Train(config with { Replicas = 2, Threads = 0 }, straight);
        Assert.Equal(RunState.Completed, replicated.State);
        Assert.Equal(single.Metrics[0].TrainLoss, replicated.Metrics[0].TrainLoss, 3);
        Assert.Equal(single.Metrics[0].TrainAccuracy, replicated.Metrics[0].TrainAccuracy, 2);
        Assert.Equal(single.Metrics[0].TestLoss, replicated.Metrics[0].TestLoss, 3);   // evaluated on the model and a copy
        Assert.DoesNotContain("Replicas", File.ReadAllText(new RunFiles(Path.Combine(root, "single")).ConfigPath), StringComparison.Ordinal);

        var stopped = Path.Combine(root, "replicas-stopped");
        using var cancel = new CancellationTokenSource();
        Assert.Equal(RunState.Stopped, Train(config with { Replicas = 2, Threads = 0 }, stopped, new StopAt(step: 9, cancel), cancel.Token).State);
        var resumed = Train(config with { Replicas = 2, Threads = 0 }, stopped);
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(stopped).WeightsPath(2));
        Assert.Equal(replicated.Metrics.Select(m => (m.TestLoss, m.TrainLoss)), resumed.Metrics.Select(m => (m.TestLoss, m.TrainLoss)));
    }

    [SkippableFact]
    public void EachIngredientChangesTheRun()
    {
        cifar.RequireData();
        var baseline = Train(Tiny(), Path.Combine(root, "baseline")).Metrics;
        var variants = new Dictionary<string, TrainingConfig>
        {
            ["ema"] = Tiny() with { EmaDecay = 0.9 },
            ["linear"] = Tiny() with { Schedule = DecayShape.Linear },
            ["token-drop"] = Tiny() with { TokenDrop = 0.25 },
            ["token-drop-end"] = Tiny() with { TokenDropEnd = 0.5 },
            ["test-flip"] = Tiny() with { TestFlip = true },
            ["holdout"] = Tiny() with { Holdout = 500 },
            ["width"] = Tiny() with { Shape = new ShapeOverrides(Width: 48) },
        };
        foreach (var (name, config) in variants)
        {
            var metrics = Train(config, Path.Combine(root, name)).Metrics;
            Assert.True(metrics[^1].TestLoss != baseline[^1].TestLoss, $"{name} left the test loss at {baseline[^1].TestLoss}");
            var trainingChanged = metrics[^1].TrainLoss != baseline[^1].TrainLoss;
            Assert.True(trainingChanged == name is not ("test-flip" or "ema"), $"{name}: training loss changed: {trainingChanged}");
        }
    }

    [SkippableFact]
    public void TimeIsCumulativeOverEpochs()
    {
        cifar.RequireData();
        var metrics = Train(Tiny(epochs: 3), Path.Combine(root, "time")).Metrics;
        var sum = 0.0;
        foreach (var m in metrics)
        {
            sum += m.Seconds;
            Assert.True(m.Seconds > 0);
            Assert.Equal(sum, m.TotalSeconds, 9);
        }
    }

    [SkippableFact]
    public void HoldoutTakesTheSameBalancedImagesOutOfTrainingAndEvaluatesOnThem()
    {
        cifar.RequireData();
        var train = cifar.Data.Train;
        var (held, others) = train.HoldOut(1000, Experiment.HoldoutSeed);
        Assert.Equal(1000, held.Count);
        Assert.Equal(train.Count - 1000, others.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(100, Enumerable.Range(0, held.Count).Count(i => held.GetLabel(i) == c)));
        Assert.Equal(held.Pixels.ToArray(), train.BalancedSubset(1000, Experiment.HoldoutSeed).Pixels.ToArray());
        var heldImages = Enumerable.Range(0, held.Count).Select(i => Hash(held.GetImage(i))).ToHashSet();
        var trainImages = Enumerable.Range(0, train.Count).Select(i => Hash(train.GetImage(i))).ToHashSet();
        var otherImages = Enumerable.Range(0, others.Count).Select(i => Hash(others.GetImage(i))).ToHashSet();
        Assert.Equal(trainImages.Count, heldImages.Count + otherImages.Count - heldImages.Intersect(otherImages).Count());
        Assert.True(heldImages.Intersect(otherImages).Count() <= 5, "held-out images are also trained on");   // CIFAR-10 has a few duplicated images

        using var experiment = Experiment.Create(Tiny() with { Holdout = 1000, TestSize = null }, cifar.Data);
        Assert.Equal(1000, experiment.Test.Dataset.Count);
        Assert.Equal(held.Pixels.ToArray(), experiment.Test.Dataset.Pixels.ToArray());
    }

    [Fact]
    public void WeightAverageWarmsUpThenFollowsTheDecay()
    {
        using var model = new VisionTransformer(VisionPresets.Get("vit-micro"));
        using var averaged = new VisionTransformer(VisionPresets.Get("vit-micro"));
        using var average = new WeightAverage(model, averaged, decay: 0.99);
        Assert.Equal(0.1, average.DecayAt(0), 12);
        Assert.Equal(0.99, average.DecayAt(100_000), 12);
        var name = "head.weight";
        var start = model.state_dict()[name].clone();
        Assert.True(averaged.state_dict()[name].equal(start).all().item<bool>());
        using (no_grad())
        {
            model.state_dict()[name].add_(1.0);
        }

        average.Update(0);
        var expected = start * 0.1 + (start + 1.0) * 0.9;
        Assert.True(averaged.state_dict()[name].allclose(expected, rtol: 0, atol: 1e-6));
        Assert.DoesNotContain(averaged.parameters(), p => p.requires_grad);
    }

    [Fact]
    public void ProgressiveTokenDropMovesLinearlyFromTheFirstFractionToTheLast()
    {
        var progressive = new TrainingConfig { TokenDrop = 0.75, TokenDropEnd = 0 };
        foreach (var progress in new[] { 0.0, 0.2, 0.5, 0.9, 1.0 })
        {
            Assert.Equal(0.75 * (1 - progress), progressive.TokenDropAt(progress), 12);
            Assert.Equal(0.75, (progressive with { TokenDropEnd = null }).TokenDropAt(progress));
        }

        Assert.Equal(0, progressive.TokenDropAt(1.5));
        Assert.Throws<ArgumentException>(() => (progressive with { TokenDropEnd = 1 }).Validate());
    }

    [Fact]
    public void TokenDropIsSeededKeepsTheRequestedShareAndIsThePlainForwardAtZero()
    {
        manual_seed(1);
        using var model = new VisionTransformer(VisionPresets.Get("vit-micro"));
        model.eval();
        var images = randn(4, 3, 32, 32);
        using var same1 = new Generator(7);
        using var same2 = new Generator(7);
        using var other = new Generator(8);
        using var none = new Generator(7);
        var a = model.forward(images, 0.5, same1);
        var b = model.forward(images, 0.5, same2);
        var c = model.forward(images, 0.5, other);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.allclose(c));
        Assert.True(model.forward(images, 0, none).allclose(model.forward(images), rtol: 0, atol: 1e-5));
    }

    [SkippableFact]
    public void EvaluationSharedByCopiesOfTheModelIsOneModelsEvaluation()
    {
        cifar.RequireData();
        manual_seed(3);
        using var model = new VisionTransformer(VisionPresets.Get("vit-micro"));
        using var copy1 = new VisionTransformer(VisionPresets.Get("vit-micro"));
        using var copy2 = new VisionTransformer(VisionPresets.Get("vit-micro"));
        ParallelEvaluation.CopyWeights(model, copy1);
        ParallelEvaluation.CopyWeights(model, copy2);
        using var loader = new BatchLoader(cifar.Data.Test.BalancedSubset(350, 0), BatchLoaderOptions.Evaluation(100));   // 4 batches: a wave and a part
        var (loss, accuracy) = VisionTask.Evaluate(model, loader, flip: true);
        var (sharedLoss, sharedAccuracy) = VisionTask.Evaluate([model, copy1, copy2], loader, flip: true);
        Assert.Equal(loss, sharedLoss, 5);
        Assert.Equal(accuracy, sharedAccuracy);
        Assert.True(model.training && copy1.training, "evaluation leaves the models in training mode");
    }

    [SkippableFact]
    public void FlipAveragingEvaluatesTheMeanOfTheImageAndItsMirrorImage()
    {
        cifar.RequireData();
        manual_seed(2);
        using var model = new VisionTransformer(VisionPresets.Get("vit-micro"));
        using var loader = new BatchLoader(cifar.Data.Test.BalancedSubset(300, 0), BatchLoaderOptions.Evaluation(100));
        var (plainLoss, _) = VisionTask.Evaluate(model, loader);
        var (flipLoss, flipAccuracy) = VisionTask.Evaluate(model, loader, flip: true);
        long correct = 0;
        double lossSum = 0;
        model.eval();
        using (no_grad())
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                {
                    var logits = (model.call(batch.Images) + model.call(batch.Images.flip(3))) / 2;
                    lossSum += nn.functional.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum).item<float>();
                    correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
                }
            }
        }

        Assert.Equal(correct / 300.0, flipAccuracy, 12);
        Assert.Equal(lossSum / 300, flipLoss, 6);
        Assert.NotEqual(plainLoss, flipLoss);
    }

    [Fact]
    public void TimeToAccuracyIsTheCumulativeTimeOfTheFirstEpochThatReachesIt()
    {
        static IReadOnlyDictionary<string, double> Row(int epoch, double accuracy, double total) =>
            new Dictionary<string, double> { ["Epoch"] = epoch, ["TestAccuracy"] = accuracy, ["TrainLoss"] = 1, ["Seconds"] = 60, ["TotalSeconds"] = total };
        var run = new Mimetic.Reports.RunRecord(Tiny(), "run", RunState.Completed, [Row(1, 0.55, 90), Row(2, 0.72, 180), Row(3, 0.71, 270), Row(4, 0.76, 360)]);
        Assert.Null(Mimetic.Reports.TimeToAccuracy.SecondsTo(run, 0.80));
        Assert.Equal(180, Mimetic.Reports.TimeToAccuracy.SecondsTo(run, 0.60));
        Assert.Equal(180, Mimetic.Reports.TimeToAccuracy.SecondsTo(run, 0.70));
        Assert.Equal(360, Mimetic.Reports.TimeToAccuracy.SecondsTo(run, 0.75));
        var untimed = run with { Rows = [.. run.Rows.Select(r => (IReadOnlyDictionary<string, double>)r.Where(p => p.Key != "TotalSeconds").ToDictionary())] };
        Assert.Null(Mimetic.Reports.TimeToAccuracy.SecondsTo(untimed, 0.5));

        var table = Mimetic.Reports.ComparisonReport.RunTable(Mimetic.Reports.ComparisonSummary.From([run]));
        Assert.Contains("min. to 80 % |", table, StringComparison.Ordinal);
        Assert.Contains("| 3.0 | 3.0 | 6.0 | – |", table, StringComparison.Ordinal);
        Assert.DoesNotContain("min. to", Mimetic.Reports.ComparisonReport.RunTable(Mimetic.Reports.ComparisonSummary.From([untimed])), StringComparison.Ordinal);
    }

    [Fact]
    public void TimedRunsGetAnAccuracyAgainstMinutesPlotAtTheMeanMinutesOfTheirSeeds()
    {
        static IReadOnlyDictionary<string, double> Row(int epoch, double accuracy, double total) =>
            new Dictionary<string, double> { ["Epoch"] = epoch, ["TestAccuracy"] = accuracy, ["TrainLoss"] = 1, ["Seconds"] = 60, ["TotalSeconds"] = total };
        var seed0 = new Mimetic.Reports.RunRecord(Tiny(), "a", RunState.Completed, [Row(1, 0.5, 60), Row(2, 0.6, 150)]);
        var seed1 = new Mimetic.Reports.RunRecord(Tiny() with { Seed = 1 }, "b", RunState.Completed, [Row(1, 0.4, 120), Row(2, 0.7, 210), Row(3, 0.8, 300)]);
        Assert.Equal([1.5, 3.0], Mimetic.Reports.TimeToAccuracy.MeanMinutes([seed0, seed1], 2));

        var timed = Path.Combine(root, "timed-report");
        Mimetic.Reports.ComparisonReport.Write(timed, [seed0, seed1], "timed");
        Assert.True(File.Exists(Path.Combine(timed, Mimetic.Reports.ComparisonReport.MinutesPlot)));
        Assert.Contains($"]({Mimetic.Reports.ComparisonReport.MinutesPlot})", File.ReadAllText(Path.Combine(timed, "report.md")), StringComparison.Ordinal);

        var untimedRun = seed0 with { Rows = [.. seed0.Rows.Select(r => (IReadOnlyDictionary<string, double>)r.Where(p => p.Key != "TotalSeconds").ToDictionary())] };
        var untimed = Path.Combine(root, "untimed-report");
        Mimetic.Reports.ComparisonReport.Write(untimed, [untimedRun, seed1], "untimed");
        Assert.False(File.Exists(Path.Combine(untimed, Mimetic.Reports.ComparisonReport.MinutesPlot)));
        Assert.DoesNotContain("minutes", File.ReadAllText(Path.Combine(untimed, "report.md")), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static string Hash(ReadOnlySpan<byte> image) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(image));

    private TrainingResult<EpochMetrics> Train(TrainingConfig config, string directory, ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        using var task = new VisionTask(config, cifar.Data);
        return new TrainingLoop<EpochMetrics>(task, directory, observer).Run(cancellation: cancellation);
    }

    private sealed class StopAt(int step, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void StepFinished(StepReport report)
        {
            if (report.Step >= step)
            {
                cancel.Cancel();
            }
        }
    }
}
