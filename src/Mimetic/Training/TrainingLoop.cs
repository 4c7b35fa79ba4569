using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>
/// The one training loop, for every model kind: AdamW with warm-up and cosine decay, gradient clipping, a
/// divergence stop, rounds that end with an evaluation, a metrics line, the round's weights and an atomic
/// checkpoint, and exact resume on CPU — mid-round after a cancellation or <c>untilStep</c>, or from the last
/// checkpoint after a crash. The task (<see cref="ITrainingTask{TMetrics}"/>) supplies model, batches, loss and
/// evaluation. One process at a time may train a run directory (<see cref="RunLock"/>); a run that fails with an
/// exception is marked <see cref="RunState.Failed"/>, never left at Running.
/// </summary>
/// <typeparam name="TMetrics">The task's metrics line.</typeparam>
public sealed class TrainingLoop<TMetrics>
    where TMetrics : IRoundMetrics
{
    private readonly ITrainingTask<TMetrics> task;
    private readonly RunConfig config;
    private readonly RunFiles files;
    private readonly ITrainingObserver observer;

    /// <summary>Prepares a run of <paramref name="task"/> in <paramref name="runDirectory"/>.</summary>
    public TrainingLoop(ITrainingTask<TMetrics> task, string runDirectory, ITrainingObserver? observer = null)
    {
        this.task = task ?? throw new ArgumentNullException(nameof(task));
        config = task.Config;
        config.Validate();
        files = new RunFiles(runDirectory);
        this.observer = observer ?? SilentObserver.Instance;
    }

    /// <summary>
    /// Trains to the end of the run, resuming from the run directory's checkpoint if it has one. Cancellation
    /// stops after the current step and saves a resumable checkpoint.
    /// </summary>
    /// <param name="untilStep">Stop (resumably, with a checkpoint) once this many steps are done, before the run's end.</param>
    /// <param name="cancellation">Stops the run after the current step, with a checkpoint.</param>
    /// <remarks>Calls <see cref="NativeAllocator.Tune"/> (glibc only; <c>MIMETIC_TUNE_MALLOC=0</c> turns it off).</remarks>
    /// <exception cref="RunLockedException">Another process is training this run directory.</exception>
    /// <param name="mustResume">Refuse to start afresh: the directory must hold a checkpoint (<c>--resume</c>).</param>
    public TrainingResult<TMetrics> Run(long? untilStep = null, bool mustResume = false, CancellationToken cancellation = default)
    {
        using var runLock = RunLock.Acquire(files.Directory);
        var metrics = new List<TMetrics>();
        try
        {
            return Train(metrics, untilStep, mustResume, cancellation);
        }
        catch (Exception e) when (e is not RunLockedException)
        {
            MarkFailed(metrics.Count, e.Message);
            throw;
        }
    }

    private void MarkFailed(int rounds, string message)
    {
        if (!files.Exists)
        {
            return;
        }

        files.WriteFinalStatus(new RunStatus(RunState.Failed, rounds, $"failed: {message.Split('\n')[0]}"));
    }

    private TrainingResult<TMetrics> Train(List<TMetrics> metrics, long? untilStep, bool mustResume, CancellationToken cancellation)
    {
        NativeAllocator.Tune();   // once per process: freed activation buffers are reused, not unmapped
        if (config.Replicas > 1)
        {
            var threadsBefore = get_num_threads();
            set_num_threads(1);   // one libtorch thread on each replica's thread
            try
            {
                return TrainModel(metrics, untilStep, mustResume, cancellation);
            }
            finally
            {
                set_num_threads(threadsBefore);
            }
        }

        if (config.Threads > 0)
        {
            set_num_threads(config.Threads);
        }

        return TrainModel(metrics, untilStep, mustResume, cancellation);
    }

    private TrainingResult<TMetrics> TrainModel(List<TMetrics> metrics, long? untilStep, bool mustResume, CancellationToken cancellation)
    {
        using var model = task.CreateModel();
        using var optimizer = OptimizerFactory.Create(model, config.LearningRate, config.WeightDecay);
        var schedule = new LearningRateSchedule(config.LearningRate, config.MinLearningRate, task.WarmupSteps, task.TotalSteps, config.Schedule);
        using var average = config.EmaDecay > 0 ? new WeightAverage(model, task.CreateModel(), config.EmaDecay) : null;
        var evaluated = average?.Model ?? model;   // what rounds evaluate and save
        var position = new TrainingPosition(0, 0, 0);
        if (Checkpoint.Exists(files.CheckpointDirectory))
        {
            var savedDevice = files.RequireSameConfig(config).Device;
            position = Resume(model, optimizer, average, metrics);
            if (savedDevice != config.Device)
            {
                observer.Note($"resuming on {config.Device}; the run was on {savedDevice}");
            }

            files.WriteConfig(config);   // the length, threads and device it now runs with
        }
        else if (Checkpoint.Damage(files.CheckpointDirectory) is { } damage)
        {
            throw new InvalidDataException($"{damage}; move the run directory away to start over");
        }
        else
        {
            StartAfresh(mustResume);
            files.WriteConfig(config);
            Checkpoint.SaveWeights(files.WeightsPath(0), model, task.Metadata(0, 0));   // round 0: the init, for analyze-run
            task.WriteRunStart(files);
        }

        if (position.EpochsCompleted >= task.Rounds)
        {
            return Finish(RunState.Completed, metrics, $"already complete ({task.Rounds} {task.RoundName}s, {task.TotalSteps} steps)");
        }

        using var dataParallel = config.Replicas > 1   // after the resume: the replicas take the weights the model has now
            ? new DataParallelStep(model, [.. Enumerable.Range(1, config.Replicas - 1).Select(_ => task.CreateModel())])
            : null;
        var evaluationCopies = Enumerable.Range(1, Math.Max(0, config.Replicas - 1)).Select(_ => task.CreateModel()).ToList();
        using var disposeCopies = new CopiesDisposal(evaluationCopies);
        files.WriteStatus(new RunStatus(RunState.Running, position.EpochsCompleted, "training"));
        observer.RunStarted(new RunStart(config, files.Directory, task.RoundName, task.Rounds, position.Step, task.TotalSteps));
        var board = torch.utils.tensorboard.SummaryWriter(files.TensorBoardDirectory, createRunName: false);
        var stopAt = Math.Min(task.TotalSteps, untilStep ?? long.MaxValue);
        for (var round = position.EpochsCompleted; round < task.Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var secondsBefore = position.EpochSeconds;   // of this round, before an interruption
            var end = task.RoundEnd(round);
            var diverged = !TrainRound(model, optimizer, schedule, average, dataParallel, round, Math.Min(end, stopAt), ref position, board, cancellation);
            if (diverged)
            {
                return Finish(RunState.Diverged, metrics,
                    $"the training loss became NaN or exceeded {OptimizerStep.ExplodedLoss:G} at step {position.Step + 1} ({task.RoundName} {round + 1}); " +
                    $"the last good checkpoint ({task.RoundName} {position.EpochsCompleted}) is kept");
            }

            if (position.Step < end)
            {
                Checkpoint.Save(files.CheckpointDirectory, model, optimizer, position, task.Metadata(round, position.Step), average?.Model, config.Fingerprint());
                return Finish(RunState.Stopped, metrics,
                    $"stopped after step {position.Step}, in {task.RoundName} {round + 1}; checkpoint saved — run again with --resume {files.Directory} to continue");
            }

            var totals = new RoundTotals(round, position.Step, position.BatchesIntoEpoch, position.EpochLossSum, position.EpochCorrect, position.EpochSeen,
                schedule.At(position.Step - 1), clock.Elapsed.TotalSeconds, metrics.Sum(m => m.Seconds));
            foreach (var copy in evaluationCopies)
            {
                ParallelEvaluation.CopyWeights(evaluated, copy);
            }

            var measured = task.Measure([evaluated, .. evaluationCopies], totals, () => secondsBefore + clock.Elapsed.TotalSeconds);
            if (!double.IsFinite(measured.EvaluationLoss) || !OptimizerStep.AllFinite(model) || !OptimizerStep.AllFinite(evaluated))
            {
                return Finish(RunState.Diverged, metrics,
                    $"the evaluation loss ({measured.EvaluationLoss:G}) or the weights became NaN or infinite after {task.RoundName} {round + 1}; " +
                    $"the last good checkpoint ({task.RoundName} {round}) is kept");
            }

            metrics.Add(measured);
            position = new TrainingPosition(round + 1, 0, position.Step);
            files.WriteMetrics(metrics);
            var metadata = task.Metadata(round + 1, position.Step);
            Checkpoint.SaveWeights(files.WeightsPath(round + 1), evaluated, metadata);
            Checkpoint.Save(files.CheckpointDirectory, model, optimizer, position, metadata, average?.Model, config.Fingerprint());
            files.WriteStatus(new RunStatus(RunState.Running, round + 1, "training"));
            task.Log(board, measured);
            observer.RoundFinished(measured);
            if (position.Step >= stopAt && position.Step < task.TotalSteps)
            {
                return Finish(RunState.Stopped, metrics,
                    $"stopped after step {position.Step}, at the end of {task.RoundName} {round + 1}, as asked; run again with --resume {files.Directory} to continue");
            }
        }

        return Finish(RunState.Completed, metrics, task.Completed(metrics[^1]));
    }

    /// <summary>
    /// A run directory without a checkpoint: a new run, or one interrupted before its first checkpoint was complete
    /// (at most one round's metrics written), which starts afresh — saying so — rather than being a dead end. A directory
    /// whose metrics show more rounds than that had checkpoints that are gone: refused.
    /// </summary>
    private void StartAfresh(bool mustResume)
    {
        if (!files.Exists)
        {
            if (mustResume)
            {
                throw new InvalidDataException($"{files.Directory} holds no run (no config.json): nothing to resume.");
            }

            return;
        }

        var rounds = files.ReadMetrics<TMetrics>().Count;
        if (rounds > 1)
        {
            throw new InvalidDataException(
                $"{files.Directory} has no checkpoint (checkpoint/) to resume from, but its metrics say {rounds} {task.RoundName}s were done; move the directory away to start over");
        }

        if (mustResume || rounds > 0)
        {
            observer.Note($"{files.Directory} has no checkpoint: the run was interrupted before its first one was complete, so it starts afresh");
        }

        files.DiscardRounds();
    }

    /// <summary>
    /// Loads the checkpoint and checks every file it reads against the others: position against the task's schedule
    /// and the weights' metadata, metrics lines against the rounds done. Returns the position; fills <paramref name="metrics"/>.
    /// </summary>
    private TrainingPosition Resume(nn.Module<Tensor, Tensor> model, AdamW optimizer, WeightAverage? average, List<TMetrics> metrics)
    {
        var (position, metadata) = Checkpoint.Load(files.CheckpointDirectory, model, optimizer, average?.Model, config.Fingerprint());
        var positionFile = Path.Combine(files.CheckpointDirectory, "position.json");
        var invalid = position switch
        {
            { EpochsCompleted: < 0 } or { BatchesIntoEpoch: < 0 } or { Step: < 0 } or { EpochCorrect: < 0 } or { EpochSeen: < 0 } => "negative counts",
            _ when !double.IsFinite(position.EpochLossSum) || position.EpochLossSum < 0 => "a loss sum that is not a finite, non-negative number",
            _ when !double.IsFinite(position.EpochSeconds) || position.EpochSeconds < 0 => "a time that is not a finite, non-negative number",
            _ when position.EpochCorrect > position.EpochSeen => "more correct predictions than examples seen",
            _ when position.EpochsCompleted > task.Rounds || position.Step > task.TotalSteps =>
                $"{position.EpochsCompleted} {task.RoundName}s and {position.Step} steps done, beyond the {task.Rounds} {task.RoundName}s ({task.TotalSteps} steps) asked for — ask for at least that many to resume it",
            _ => task.CheckPosition(position, metadata),
        };
        if (invalid is not null)
        {
            throw new InvalidDataException($"{positionFile} does not fit this run: {invalid}.");
        }

        var saved = files.ReadMetrics<TMetrics>().Where(m => m.Round <= position.EpochsCompleted).ToList();
        if (saved.Count != position.EpochsCompleted || saved.Select((m, i) => m.Round != i + 1).Any(wrong => wrong))
        {
            throw new InvalidDataException($"{files.MetricsJsonPath} has {saved.Count} of the {position.EpochsCompleted} {task.RoundName} lines the checkpoint says are done.");
        }

        metrics.AddRange(saved);
        observer.Note($"resuming {files.Directory} at {task.RoundName} {position.EpochsCompleted + 1}, step {position.Step + 1}");
        return position;
    }

    /// <summary>
    /// Trains round <paramref name="round"/> up to step <paramref name="end"/>, or until a cancellation (after at
    /// least one step); <paramref name="position"/> follows every step. False when the loss diverged.
    /// </summary>
    private bool TrainRound(nn.Module<Tensor, Tensor> model, AdamW optimizer, LearningRateSchedule schedule, WeightAverage? average, DataParallelStep? dataParallel, int round, long end,
        ref TrainingPosition position, SummaryWriter board, CancellationToken cancellation)
    {
        model.train();
        var parameters = model.parameters().ToList();
        var clock = Stopwatch.StartNew();
        var secondsBefore = position.EpochSeconds;
        var (lossSum, steps, correct, seen, step) = (position.EpochLossSum, position.BatchesIntoEpoch, position.EpochCorrect, position.EpochSeen, position.Step);
        long seenThisCall = 0;
        var counted = false;
        foreach (var batch in task.Batches(round, position))
        {
            if (step >= end)
            {
                batch.Dispose();
                break;
            }

            using (batch)
            using (var scope = NewDisposeScope())
            {
                var learningRate = schedule.At(step);
                var (lossValue, batchCorrect) = dataParallel is null
                    ? (OptimizerStep.Take(optimizer, parameters, learningRate, config.GradientClip, () => batch.Loss(model)), null)
                    : dataParallel.Take(model, optimizer, learningRate, config.GradientClip, batch);
                if (OptimizerStep.IsDiverged(lossValue))
                {
                    return false;
                }

                average?.Update(step);
                lossSum += lossValue;
                if ((dataParallel is null ? batch.Correct() : batchCorrect) is { } right)
                {
                    correct += right;
                    counted = true;
                }

                seen += batch.Samples;
                seenThisCall += batch.Samples;
                steps++;
                step++;
                if (step % 10 == 0)
                {
                    board.add_scalar("train/step_loss", lossValue, (int)step);
                }

                observer.StepFinished(new StepReport(round + 1, task.Rounds, steps, step, task.TotalSteps, lossSum / steps,
                    counted ? (double)correct / seen : null, seenThisCall / clock.Elapsed.TotalSeconds, learningRate));
            }

            position = new TrainingPosition(round, steps, step, lossSum, correct, seen, secondsBefore + clock.Elapsed.TotalSeconds);
            if (cancellation.IsCancellationRequested || step >= end)
            {
                break;
            }
        }

        return true;
    }

    private TrainingResult<TMetrics> Finish(RunState state, List<TMetrics> metrics, string message)
    {
        files.WriteStatus(new RunStatus(state, metrics.Count, message));
        observer.Note(message);
        return new TrainingResult<TMetrics>(files.Directory, state, metrics, message);
    }

    /// <summary>Disposes the evaluation copies of the model when the run ends.</summary>
    private sealed class CopiesDisposal(List<nn.Module<Tensor, Tensor>> copies) : IDisposable
    {
        public void Dispose() => copies.ForEach(copy => copy.Dispose());
    }
}
