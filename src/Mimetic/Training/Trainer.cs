using System.Diagnostics;
using Mimetic.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>
/// Trains an image classifier: AdamW with warm-up and cosine decay, label smoothing, gradient
/// clipping, evaluation after every epoch without gradients, metrics, TensorBoard, a checkpoint
/// written atomically every epoch (and on cancellation), and exact resume on CPU.
/// </summary>
public sealed class Trainer
{
    /// <summary>A loss above this (or NaN/∞) stops the run as diverged.</summary>
    public const double ExplodedLoss = OptimizerStep.ExplodedLoss;

    private readonly TrainingConfig config;
    private readonly VisionTransformerConfig modelConfig;
    private readonly IBatchSource train;
    private readonly IBatchSource test;
    private readonly RunFiles files;
    private readonly ITrainingObserver observer;

    /// <summary>Prepares a run in <paramref name="runDirectory"/>.</summary>
    public Trainer(TrainingConfig config, VisionTransformerConfig modelConfig, IBatchSource train, IBatchSource test, string runDirectory, ITrainingObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(modelConfig);
        config.Validate();
        modelConfig.Validate();
        this.config = config;
        this.modelConfig = modelConfig;
        this.train = train ?? throw new ArgumentNullException(nameof(train));
        this.test = test ?? throw new ArgumentNullException(nameof(test));
        files = new RunFiles(runDirectory);
        this.observer = observer ?? SilentObserver.Instance;
    }

    /// <summary>
    /// Trains to the configured number of epochs, resuming from the run directory's checkpoint if it
    /// has one. Cancellation stops after the current step and saves a resumable checkpoint.
    /// </summary>
    /// <param name="untilEpoch">Stop (resumably) once this many epochs are done, before the configured end.</param>
    /// <param name="cancellation">Stops the run after the current step, with a checkpoint.</param>
    /// <remarks>Calls <see cref="NativeAllocator.Tune"/> (glibc only; <c>MIMETIC_TUNE_MALLOC=0</c> turns it off).</remarks>
    public TrainingResult Run(int? untilEpoch = null, CancellationToken cancellation = default)
    {
        NativeAllocator.Tune();   // once per process: freed activation buffers are reused, not unmapped
        if (config.Threads > 0)
        {
            set_num_threads(config.Threads);
        }

        using var model = ModelFactory.CreateVision(modelConfig, config.Init, config.Seed, config.Mimetic);
        using var optimizer = OptimizerFactory.Create(model, config.LearningRate, config.WeightDecay);
        var schedule = new LearningRateSchedule(
            config.LearningRate, config.MinLearningRate,
            (long)Math.Round(config.WarmupEpochs * train.BatchesPerEpoch), (long)config.Epochs * train.BatchesPerEpoch);

        var position = new TrainingPosition(0, 0, 0);
        var metrics = new List<EpochMetrics>();
        if (Checkpoint.Exists(files.CheckpointDirectory))
        {
            files.RequireSameConfig(config, saved => saved with { Epochs = config.Epochs, Threads = config.Threads });
            position = Checkpoint.Load(files.CheckpointDirectory, model, optimizer);
            metrics = files.ReadMetrics().Where(m => m.Epoch <= position.EpochsCompleted).ToList();
            observer.Note($"resuming {files.Directory} at epoch {position.EpochsCompleted + 1}" +
                          (position.BatchesIntoEpoch > 0 ? $", batch {position.BatchesIntoEpoch + 1}" : ""));
        }
        else
        {
            files.WriteConfig(config);
            Checkpoint.SaveWeights(files.WeightsPath(0), model, Checkpoint.Metadata(config, modelConfig, 0));
        }

        if (position.EpochsCompleted >= config.Epochs)
        {
            return Finish(RunState.Completed, metrics, $"already complete ({config.Epochs} epochs)");
        }

        files.WriteStatus(new RunStatus(RunState.Running, position.EpochsCompleted, "training"));
        observer.RunStarted(config, files.Directory, position.EpochsCompleted, config.Epochs, train.BatchesPerEpoch);
        var board = torch.utils.tensorboard.SummaryWriter(files.TensorBoardDirectory, createRunName: false);

        for (var epoch = position.EpochsCompleted; epoch < config.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var outcome = TrainEpoch(model, optimizer, schedule, epoch, ref position, board, cancellation);
            if (outcome == EpochOutcome.Diverged)
            {
                return Finish(RunState.Diverged, metrics,
                    $"the training loss became NaN or exceeded {ExplodedLoss:G} in epoch {epoch + 1}; the last good checkpoint (epoch {position.EpochsCompleted}) is kept");
            }

            if (outcome == EpochOutcome.Cancelled)
            {
                Checkpoint.Save(files.CheckpointDirectory, model, optimizer, position, Checkpoint.Metadata(config, modelConfig, epoch));
                return Finish(RunState.Stopped, metrics,
                    $"stopped in epoch {epoch + 1} after batch {position.BatchesIntoEpoch}; checkpoint saved — run again with --resume {files.Directory} to continue");
            }

            var trainSeconds = clock.Elapsed.TotalSeconds;
            var (testLoss, testAccuracy) = Evaluate(model, test);
            var epochMetrics = new EpochMetrics(
                epoch + 1, position.EpochLossSum / Math.Max(1, train.BatchesPerEpoch), (double)position.EpochCorrect / Math.Max(1, position.EpochSeen),
                testLoss, testAccuracy, schedule.At(position.Step - 1), clock.Elapsed.TotalSeconds, position.EpochSeen / trainSeconds);
            metrics.Add(epochMetrics);
            position = new TrainingPosition(epoch + 1, 0, position.Step);
            files.WriteMetrics(metrics);
            var metadata = Checkpoint.Metadata(config, modelConfig, epoch + 1);
            Checkpoint.SaveWeights(files.WeightsPath(epoch + 1), model, metadata);
            Checkpoint.Save(files.CheckpointDirectory, model, optimizer, position, metadata);
            files.WriteStatus(new RunStatus(RunState.Running, epoch + 1, "training"));
            LogEpoch(board, epochMetrics);
            observer.EpochFinished(epochMetrics);
            if (untilEpoch is { } until && epoch + 1 >= until && epoch + 1 < config.Epochs)
            {
                return Finish(RunState.Stopped, metrics, $"stopped after epoch {epoch + 1} as asked; run again with --resume {files.Directory} to continue");
            }
        }

        return Finish(RunState.Completed, metrics, $"completed {config.Epochs} epochs; final test accuracy {metrics[^1].TestAccuracy:P2}");
    }

    /// <summary>Mean cross-entropy (no smoothing) and accuracy over a split, without gradients.</summary>
    public static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> model, IBatchSource source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        model.eval();
        using var inference = inference_mode();
        double lossSum = 0;
        long correct = 0, seen = 0;
        foreach (var batch in source.Epoch(0))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                var logits = model.call(batch.Images);
                lossSum += nn.functional.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
                seen += batch.Labels.shape[0];
            }
        }

        model.train();
        return (lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen));
    }

    private enum EpochOutcome
    {
        Finished,
        Cancelled,
        Diverged,
    }

    private EpochOutcome TrainEpoch(VisionTransformer model, AdamW optimizer, LearningRateSchedule schedule, int epoch, ref TrainingPosition position,
        SummaryWriter board, CancellationToken cancellation)
    {
        model.train();
        var parameters = model.parameters().ToList();
        var clock = Stopwatch.StartNew();
        var (lossSum, correct, seen, batchIndex, step) = (position.EpochLossSum, position.EpochCorrect, position.EpochSeen, position.BatchesIntoEpoch, position.Step);
        long seenThisCall = 0;
        foreach (var batch in train.Epoch(epoch, position.BatchesIntoEpoch))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                var learningRate = schedule.At(step);
                Tensor logits = null!;
                var lossValue = OptimizerStep.Take(optimizer, parameters, learningRate, config.GradientClip, () =>
                {
                    logits = model.call(batch.Images);
                    return nn.functional.cross_entropy(logits, batch.Labels, label_smoothing: config.LabelSmoothing);
                });
                if (OptimizerStep.IsDiverged(lossValue))
                {
                    return EpochOutcome.Diverged;
                }

                lossSum += lossValue;
                using (no_grad())
                {
                    correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
                }

                var count = batch.Labels.shape[0];
                seen += count;
                seenThisCall += count;
                batchIndex++;
                step++;
                if (step % 10 == 0)
                {
                    board.add_scalar("train/step_loss", lossValue, (int)step);
                }

                observer.StepFinished(new StepReport(epoch + 1, batchIndex, train.BatchesPerEpoch, lossSum / batchIndex, (double)correct / seen,
                    seenThisCall / clock.Elapsed.TotalSeconds, learningRate));
            }

            position = new TrainingPosition(epoch, batchIndex, step, lossSum, correct, seen);
            if (cancellation.IsCancellationRequested && batchIndex < train.BatchesPerEpoch)
            {
                return EpochOutcome.Cancelled;
            }
        }

        position = new TrainingPosition(epoch, batchIndex, step, lossSum, correct, seen);
        return EpochOutcome.Finished;
    }

    private static void LogEpoch(SummaryWriter board, EpochMetrics m)
    {
        board.add_scalar("train/loss", (float)m.TrainLoss, m.Epoch);
        board.add_scalar("train/accuracy", (float)m.TrainAccuracy, m.Epoch);
        board.add_scalar("test/loss", (float)m.TestLoss, m.Epoch);
        board.add_scalar("test/accuracy", (float)m.TestAccuracy, m.Epoch);
        board.add_scalar("learning_rate", (float)m.LearningRate, m.Epoch);
    }

    private TrainingResult Finish(RunState state, List<EpochMetrics> metrics, string message)
    {
        files.WriteStatus(new RunStatus(state, metrics.Count, message));
        observer.Note(message);
        return new TrainingResult(files.Directory, state, metrics, message);
    }
}
