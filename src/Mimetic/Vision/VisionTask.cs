using System.Globalization;
using Mimetic.Data;
using Mimetic.Models;
using Mimetic.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Vision;

/// <summary>
/// Image classification with a Vision Transformer, as a task of the one training loop: rounds are epochs over
/// the (seeded, augmented) training subset, the loss is label-smoothed cross-entropy, and every epoch ends with
/// the test loss and accuracy. Epoch 0's weights (the init) are saved when the run starts.
/// </summary>
public sealed class VisionTask : ITrainingTask<EpochMetrics>
{
    private readonly TrainingConfig config;
    private readonly Experiment experiment;
    private readonly Device device;

    /// <summary>The task of <paramref name="config"/> on already loaded <paramref name="data"/>.</summary>
    public VisionTask(TrainingConfig config, DatasetSplits data)
    {
        ArgumentNullException.ThrowIfNull(config);
        experiment = Experiment.Create(config, data);
        this.config = config;
        device = Devices.DeviceSelector.Resolve(config.Device);
    }

    /// <summary>The model's shape: the preset adapted to the dataset.</summary>
    public VisionTransformerConfig ModelConfig => experiment.ModelConfig;

    /// <inheritdoc />
    public RunConfig Config => config;

    /// <inheritdoc />
    public string RoundName => "epoch";

    /// <inheritdoc />
    public int Rounds => config.Epochs;

    /// <summary>Steps per epoch.</summary>
    public int StepsPerEpoch => experiment.Train.BatchesPerEpoch;

    /// <inheritdoc />
    public long TotalSteps => (long)config.Epochs * StepsPerEpoch;

    /// <inheritdoc />
    public long WarmupSteps => (long)Math.Round(config.WarmupEpochs * StepsPerEpoch);

    /// <inheritdoc />
    public long RoundEnd(int round) => (long)(round + 1) * StepsPerEpoch;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> CreateModel() => ModelFactory.CreateVision(ModelConfig, config.Init, config.Seed, config.Mimetic, device);

    /// <inheritdoc />
    public IEnumerable<ITrainingBatch> Batches(int round, TrainingPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var firstStep = (long)round * StepsPerEpoch + position.BatchesIntoEpoch;
        var patchTokens = ModelConfig.GridSize * ModelConfig.GridSize;
        return experiment.Train.Epoch(round, position.BatchesIntoEpoch).Select((batch, i) =>
            (ITrainingBatch)new ImageBatch(OnDevice(batch, device), config.LabelSmoothing, config.TokenDropAt((double)(firstStep + i) / TotalSteps), TokenDropSeed(firstStep + i), patchTokens));
    }

    /// <inheritdoc />
    public EpochMetrics Measure(IReadOnlyList<nn.Module<Tensor, Tensor>> models, RoundTotals totals, Func<double> elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(elapsedSeconds);
        var (testLoss, testAccuracy) = Evaluate(models, experiment.Test, device, config.TestFlip);
        var seconds = elapsedSeconds();
        return new EpochMetrics(
            totals.Round + 1, totals.LossSum / Math.Max(1, StepsPerEpoch), (double)totals.Correct / Math.Max(1, totals.Samples),
            testLoss, testAccuracy, totals.LearningRate, seconds, totals.Samples / totals.TrainSeconds, totals.SecondsBefore + seconds);
    }

    /// <inheritdoc />
    public Dictionary<string, string> Metadata(int roundsCompleted, long stepsDone)
    {
        var metadata = Checkpoint.Metadata("timm", ModelConfig.Heads, config.Model, config.Init, config.Seed, ModelConfig);
        metadata["mimetic.epoch"] = roundsCompleted.ToString(CultureInfo.InvariantCulture);
        return metadata;
    }

    /// <inheritdoc />
    public string? CheckPosition(TrainingPosition position, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(metadata);
        if (position.BatchesIntoEpoch >= StepsPerEpoch)
        {
            return $"{position.BatchesIntoEpoch} batches into an epoch of {StepsPerEpoch}";
        }

        if (position.Step != (long)position.EpochsCompleted * StepsPerEpoch + position.BatchesIntoEpoch)
        {
            return $"step {position.Step} is not epoch {position.EpochsCompleted} × {StepsPerEpoch} steps + {position.BatchesIntoEpoch}";
        }

        return metadata.TryGetValue("mimetic.epoch", out var epoch) && epoch != position.EpochsCompleted.ToString(CultureInfo.InvariantCulture)
            ? $"it says {position.EpochsCompleted} epochs are done, the checkpoint's weights were saved after epoch {epoch}"
            : null;
    }

    /// <inheritdoc />
    public string Completed(EpochMetrics last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return $"completed {config.Epochs} epochs; final test accuracy {last.TestAccuracy.ToString("P2", CultureInfo.InvariantCulture)}";
    }

    /// <inheritdoc />
    public void Log(SummaryWriter board, EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(metrics);
        board.add_scalar("train/loss", (float)metrics.TrainLoss, metrics.Epoch);
        board.add_scalar("train/accuracy", (float)metrics.TrainAccuracy, metrics.Epoch);
        board.add_scalar("test/loss", (float)metrics.TestLoss, metrics.Epoch);
        board.add_scalar("test/accuracy", (float)metrics.TestAccuracy, metrics.Epoch);
        board.add_scalar("learning_rate", (float)metrics.LearningRate, metrics.Epoch);
    }

    /// <summary>
    /// Mean cross-entropy (no smoothing) and accuracy over a split, without gradients, with the batches on <paramref name="device"/>
    /// (default: the CPU); with <paramref name="flip"/>, of the logits averaged over each image and its mirror image.
    /// </summary>
    public static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> model, BatchLoader source, Device? device = null, bool flip = false) =>
        Evaluate([model], source, device, flip);

    /// <summary>The same, shared by <paramref name="models"/> (the model, then copies with its weights; see <see cref="ParallelEvaluation"/>).</summary>
    public static (double Loss, double Accuracy) Evaluate(IReadOnlyList<nn.Module<Tensor, Tensor>> models, BatchLoader source, Device? device = null, bool flip = false)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(source);
        foreach (var model in models)
        {
            model.eval();
        }

        double lossSum = 0;
        long correct = 0, seen = 0;
        var perBatch = ParallelEvaluation.Map(source.Epoch(0).Select(b => OnDevice(b, device)), models, (model, batch) =>
        {
            using (batch)
            using (inference_mode())
            using (var scope = NewDisposeScope())
            {
                var logits = flip ? (model.call(batch.Images) + model.call(batch.Images.flip(3))) / 2 : model.call(batch.Images);
                return (Loss: (double)nn.functional.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum).item<float>(),
                    Correct: logits.argmax(1).eq(batch.Labels).sum().item<long>(), Seen: batch.Labels.shape[0]);
            }
        });
        foreach (var (loss, right, count) in perBatch)
        {
            lossSum += loss;
            correct += right;
            seen += count;
        }

        foreach (var model in models)
        {
            model.train();
        }

        return (lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen));
    }

    /// <inheritdoc />
    public void Dispose() => experiment.Dispose();

    /// <summary>The seed of step <paramref name="step"/>'s dropped tokens: a function of the run's seed and the step alone, so a resumed run drops the same ones.</summary>
    private ulong TokenDropSeed(long step) => SplitMix64.Combine(config.Seed, step, 0x70D0);

    private static Batch OnDevice(DataBatch batch, Device? device) =>
        DeviceBatches.ToDevice(new Batch(batch.Images, batch.Labels), device, move => new Batch(move(batch.Images), move(batch.Labels)));

    /// <summary>Images [B, C, H, W] and labels [B] of one batch, on the model's device; disposing it disposes both.</summary>
    private sealed record Batch(Tensor Images, Tensor Labels) : IDisposable
    {
        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
        }
    }

    /// <summary>
    /// A batch of images: label-smoothed cross-entropy, and the correct predictions of its forward pass. With token drop,
    /// the kept tokens are drawn for the whole batch (from the step's seed) and a part of the batch takes its rows.
    /// </summary>
    private sealed class ImageBatch : ITrainingBatch
    {
        private readonly Batch batch;
        private readonly double labelSmoothing;
        private readonly Tensor? keptTokens;
        private Tensor? logits;

        public ImageBatch(Batch batch, double labelSmoothing, double tokenDrop, ulong tokenDropSeed, int patchTokens)
            : this(batch, labelSmoothing, tokenDrop > 0 ? DrawKept(batch.Labels.shape[0], patchTokens, tokenDrop, tokenDropSeed) : null)
        {
        }

        private ImageBatch(Batch batch, double labelSmoothing, Tensor? keptTokens)
        {
            this.batch = batch;
            this.labelSmoothing = labelSmoothing;
            this.keptTokens = keptTokens;
        }

        public long Samples => batch.Labels.shape[0];

        public Tensor Loss(nn.Module<Tensor, Tensor> model)
        {
            logits = keptTokens is not null && model is VisionTransformer vit ? vit.forward(batch.Images, keptTokens) : model.call(batch.Images);
            return nn.functional.cross_entropy(logits, batch.Labels, label_smoothing: labelSmoothing);
        }

        public ITrainingBatch Part(int index, int count)
        {
            var (start, length) = DataParallelStep.Rows(Samples, index, count);
            return new ImageBatch(new Batch(batch.Images.narrow(0, start, length), batch.Labels.narrow(0, start, length)), labelSmoothing,
                keptTokens?.narrow(0, start, length));
        }

        private static Tensor DrawKept(long images, int patchTokens, double tokenDrop, ulong seed)
        {
            using var generator = new Generator(seed);
            return VisionTransformer.KeptTokens(images, patchTokens, tokenDrop, generator);
        }

        public long? Correct()
        {
            if (logits is null)
            {
                return null;
            }

            using var noGrad = no_grad();
            return logits.argmax(1).eq(batch.Labels).sum().item<long>();
        }

        public void Dispose()
        {
            batch.Dispose();
            keptTokens?.Dispose();
        }
    }
}
