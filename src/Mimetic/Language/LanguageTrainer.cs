using System.Diagnostics;
using System.Globalization;
using Mimetic.Models;
using Mimetic.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Language;

/// <summary>
/// Trains a GPT on a tokenized text with next-token cross-entropy: AdamW with warm-up and cosine decay,
/// gradient clipping, random contiguous windows seeded by (seed, step), an evaluation on fixed validation
/// windows every <see cref="LanguageTrainingConfig.EvalInterval"/> steps, and the vision trainer's run
/// directory: config, status, metrics (JSON lines and CSV), TensorBoard, weights after every evaluation,
/// an atomic checkpoint (every evaluation, on cancellation and at <c>untilStep</c>), exact resume on CPU —
/// plus the tokenizer, so the run can be sampled from.
/// </summary>
public sealed class LanguageTrainer
{
    private readonly LanguageTrainingConfig config;
    private readonly LanguageCorpus corpus;
    private readonly GptConfig modelConfig;
    private readonly IReadOnlyList<int> evaluationStarts;
    private readonly RunFiles files;
    private readonly ILanguageTrainingObserver observer;

    /// <summary>Prepares a run in <paramref name="runDirectory"/>.</summary>
    /// <exception cref="ArgumentException">Invalid config, a corpus that is not the config's, or a text too short for the model's context.</exception>
    public LanguageTrainer(LanguageTrainingConfig config, LanguageCorpus corpus, string runDirectory, ILanguageTrainingObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(corpus);
        config.Validate();
        if (config.TextSha256 != corpus.Sha256 || config.Tokenizer != corpus.Tokenizer.Kind)
        {
            throw new ArgumentException(
                $"The run's config expects {config.Text} with SHA-256 {Short(config.TextSha256)} and the {config.Tokenizer} tokenizer; " +
                $"the text given has SHA-256 {Short(corpus.Sha256)} and the {corpus.Tokenizer.Kind} tokenizer.");
        }

        this.config = config;
        this.corpus = corpus;
        modelConfig = config.ModelConfig(corpus.Tokenizer.VocabSize);
        TokenWindows.RequireWindow(corpus.Train.Length, modelConfig.ContextLength, "training");
        evaluationStarts = TokenWindows.EvaluationStarts(corpus.Validation.Length, modelConfig.ContextLength, config.EvalWindows);
        files = new RunFiles(runDirectory);
        this.observer = observer ?? SilentLanguageObserver.Instance;
    }

    /// <summary>The model's shape: the preset with the tokenizer's vocabulary and the config's position embedding.</summary>
    public GptConfig ModelConfig => modelConfig;

    /// <summary>
    /// Trains to the configured number of steps, resuming from the run directory's checkpoint if it has one.
    /// Cancellation stops after the current step and saves a resumable checkpoint.
    /// </summary>
    /// <param name="untilStep">Stop (resumably, with a checkpoint) once this many steps are done, before the configured end.</param>
    /// <param name="cancellation">Stops the run after the current step, with a checkpoint.</param>
    /// <remarks>Calls <see cref="NativeAllocator.Tune"/> (glibc only; <c>MIMETIC_TUNE_MALLOC=0</c> turns it off).</remarks>
    public LanguageTrainingResult Run(long? untilStep = null, CancellationToken cancellation = default)
    {
        NativeAllocator.Tune();   // once per process: freed activation buffers are reused, not unmapped
        if (config.Threads > 0)
        {
            set_num_threads(config.Threads);
        }

        using var model = ModelFactory.CreateGpt(modelConfig, config.Init, config.Seed, config.Mimetic);
        using var optimizer = OptimizerFactory.Create(model, config.LearningRate, config.WeightDecay);
        var schedule = new LearningRateSchedule(config.LearningRate, config.MinLearningRate, config.WarmupSteps, config.Steps);
        var position = new TrainingPosition(0, 0, 0);
        var metrics = new List<LanguageMetrics>();
        if (Checkpoint.Exists(files.CheckpointDirectory))
        {
            files.RequireSameConfig(config, saved => saved with { Steps = config.Steps, Threads = config.Threads });
            position = Checkpoint.Load(files.CheckpointDirectory, model, optimizer);
            if (position.Step > config.Steps)
            {
                throw new ArgumentException($"{files.Directory} is already at step {position.Step}; ask for at least {position.Step} steps to resume it.");
            }

            metrics = files.ReadMetrics<LanguageMetrics>().Where(m => m.Eval <= position.EpochsCompleted).ToList();
            observer.Note($"resuming {files.Directory} at step {position.Step + 1}");
        }
        else
        {
            files.WriteConfig(config);
            TextTokenizers.Save(corpus.Tokenizer, files.TokenizerPath);
        }

        if (position.EpochsCompleted >= config.Evaluations)
        {
            return Finish(RunState.Completed, metrics, $"already complete ({config.Steps} steps)");
        }

        files.WriteStatus(new RunStatus(RunState.Running, position.EpochsCompleted, "training"));
        observer.LanguageRunStarted(config, files.Directory, position.Step);
        var board = torch.utils.tensorboard.SummaryWriter(files.TensorBoardDirectory, createRunName: false);
        var stopAt = Math.Min(config.Steps, untilStep ?? long.MaxValue);
        for (var eval = position.EpochsCompleted; eval < config.Evaluations; eval++)
        {
            var clock = Stopwatch.StartNew();
            var end = Math.Min((long)(eval + 1) * config.EvalInterval, config.Steps);
            var outcome = TrainInterval(model, optimizer, schedule, Math.Min(end, stopAt), ref position, board, cancellation);
            if (outcome == IntervalOutcome.Diverged)
            {
                return Finish(RunState.Diverged, metrics,
                    $"the training loss became NaN or exceeded {OptimizerStep.ExplodedLoss:G} before step {position.Step + 1}; the last good checkpoint (step {(long)position.EpochsCompleted * config.EvalInterval}) is kept");
            }

            if (position.Step < end)
            {
                Checkpoint.Save(files.CheckpointDirectory, model, optimizer, position, Metadata(position.Step));
                return Finish(RunState.Stopped, metrics, $"stopped after step {position.Step}; checkpoint saved — run again with --resume {files.Directory} to continue");
            }

            var trainSeconds = clock.Elapsed.TotalSeconds;
            var valLoss = Evaluate(model, corpus.Validation, evaluationStarts, modelConfig.ContextLength, config.BatchSize);
            var steps = position.BatchesIntoEpoch;
            var evalMetrics = new LanguageMetrics(
                eval + 1, position.Step, position.EpochLossSum / Math.Max(1, steps), valLoss, Math.Exp(valLoss), valLoss / Math.Log(2),
                valLoss / Math.Log(2) / corpus.CharactersPerToken, schedule.At(position.Step - 1), clock.Elapsed.TotalSeconds,
                (double)position.EpochSeen / trainSeconds);
            metrics.Add(evalMetrics);
            position = new TrainingPosition(eval + 1, 0, position.Step);
            files.WriteMetrics(metrics);
            Checkpoint.SaveWeights(files.WeightsPath(eval + 1), model, Metadata(position.Step));
            Checkpoint.Save(files.CheckpointDirectory, model, optimizer, position, Metadata(position.Step));
            files.WriteStatus(new RunStatus(RunState.Running, eval + 1, "training"));
            LogEvaluation(board, evalMetrics);
            observer.EvaluationFinished(evalMetrics);
            if (position.Step >= stopAt && position.Step < config.Steps)
            {
                return Finish(RunState.Stopped, metrics, $"stopped after step {position.Step} as asked; run again with --resume {files.Directory} to continue");
            }
        }

        return Finish(RunState.Completed, metrics,
            string.Create(CultureInfo.InvariantCulture, $"completed {config.Steps} steps; final validation loss {metrics[^1].ValLoss:F4} ({metrics[^1].BitsPerCharacter:F3} bits per character)"));
    }

    /// <summary>Mean next-token cross-entropy (nats per token) over the windows starting at <paramref name="starts"/>, without gradients.</summary>
    public static double Evaluate(Gpt model, int[] tokens, IReadOnlyList<int> starts, int length, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(starts);
        model.eval();
        using var inference = inference_mode();
        double lossSum = 0;
        long count = 0;
        foreach (var chunk in starts.Chunk(Math.Max(1, batchSize)))
        {
            using var scope = NewDisposeScope();
            using var batch = TokenWindows.Batch(tokens, chunk, length);
            lossSum += Loss(model, batch, nn.Reduction.Sum).item<float>();
            count += batch.Targets.numel();
        }

        model.train();
        return lossSum / Math.Max(1, count);
    }

    private enum IntervalOutcome
    {
        Finished,
        Diverged,
    }

    private static Tensor Loss(Gpt model, TokenBatch batch, nn.Reduction reduction)
    {
        var logits = model.call(batch.Inputs);
        return nn.functional.cross_entropy(logits.flatten(0, 1), batch.Targets.flatten(), reduction: reduction);
    }

    /// <summary>Trains until step <paramref name="end"/> or a cancellation (after at least one step); <paramref name="position"/> follows every step.</summary>
    private IntervalOutcome TrainInterval(Gpt model, AdamW optimizer, LearningRateSchedule schedule, long end, ref TrainingPosition position,
        SummaryWriter board, CancellationToken cancellation)
    {
        model.train();
        var parameters = model.parameters().ToList();
        var clock = Stopwatch.StartNew();
        var (lossSum, steps, tokens, step) = (position.EpochLossSum, position.BatchesIntoEpoch, position.EpochSeen, position.Step);
        long tokensThisCall = 0;
        while (step < end)
        {
            using var scope = NewDisposeScope();
            using var batch = TokenWindows.Random(corpus.Train, config.BatchSize, modelConfig.ContextLength, config.Seed, step);
            var learningRate = schedule.At(step);
            var lossValue = OptimizerStep.Take(optimizer, parameters, learningRate, config.GradientClip, () => Loss(model, batch, nn.Reduction.Mean));
            if (OptimizerStep.IsDiverged(lossValue))
            {
                return IntervalOutcome.Diverged;
            }

            var count = batch.Targets.numel();
            (lossSum, steps, tokens, step) = (lossSum + lossValue, steps + 1, tokens + count, step + 1);
            tokensThisCall += count;
            if (step % 10 == 0)
            {
                board.add_scalar("train/step_loss", lossValue, (int)step);
            }

            position = new TrainingPosition(position.EpochsCompleted, steps, step, lossSum, 0, tokens);
            observer.LanguageStepFinished(new LanguageStepReport(step, config.Steps, lossSum / steps, tokensThisCall / clock.Elapsed.TotalSeconds, learningRate));
            if (cancellation.IsCancellationRequested)
            {
                break;
            }
        }

        return IntervalOutcome.Finished;
    }

    private static void LogEvaluation(SummaryWriter board, LanguageMetrics m)
    {
        var step = (int)m.Step;
        board.add_scalar("train/loss", (float)m.TrainLoss, step);
        board.add_scalar("val/loss", (float)m.ValLoss, step);
        board.add_scalar("val/perplexity", (float)m.Perplexity, step);
        board.add_scalar("val/bits_per_character", (float)m.BitsPerCharacter, step);
        board.add_scalar("learning_rate", (float)m.LearningRate, step);
    }

    private Dictionary<string, string> Metadata(long step)
    {
        var metadata = Checkpoint.Metadata("mimetic-gpt", modelConfig.Heads, config.Model, config.Init, config.Seed, modelConfig);
        metadata["mimetic.step"] = step.ToString(CultureInfo.InvariantCulture);
        metadata["mimetic.tokenizer"] = config.Tokenizer;
        return metadata;
    }

    private LanguageTrainingResult Finish(RunState state, List<LanguageMetrics> metrics, string message)
    {
        files.WriteStatus(new RunStatus(state, metrics.Count, message));
        observer.Note(message);
        return new LanguageTrainingResult(files.Directory, state, metrics, message);
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
