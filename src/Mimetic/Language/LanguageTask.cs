using System.Globalization;
using Mimetic.Models;
using Mimetic.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Language;

/// <summary>
/// Next-token prediction with a GPT, as a task of the one training loop: each step trains on random contiguous
/// windows of the training tokens seeded by (seed, step), rounds are <see cref="LanguageTrainingConfig.EvalInterval"/>
/// steps long (the last one ends at <see cref="LanguageTrainingConfig.Steps"/>), and each ends with the loss on
/// fixed validation windows. The tokenizer is saved with the run so it can be sampled from, and the initial
/// weights (round 0) so the run's weight patterns can be followed from the init.
/// </summary>
public sealed class LanguageTask : ITrainingTask<LanguageMetrics>
{
    private readonly LanguageTrainingConfig config;
    private readonly LanguageCorpus corpus;
    private readonly IReadOnlyList<int> evaluationStarts;
    private readonly Device device;

    /// <summary>The task of <paramref name="config"/> on <paramref name="corpus"/>.</summary>
    /// <exception cref="ArgumentException">Invalid config, a corpus that is not the config's, or a text too short for the model's context.</exception>
    public LanguageTask(LanguageTrainingConfig config, LanguageCorpus corpus)
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
        ModelConfig = config.ModelConfig(corpus.Tokenizer.VocabSize);
        TokenWindows.RequireWindow(corpus.Train.Length, ModelConfig.ContextLength, "training");
        evaluationStarts = TokenWindows.EvaluationStarts(corpus.Validation.Length, ModelConfig.ContextLength, config.EvalWindows);
        device = Devices.DeviceSelector.Resolve(config.Device);
    }

    /// <summary>The model's shape: the preset with the tokenizer's vocabulary and the config's position embedding.</summary>
    public GptConfig ModelConfig { get; }

    /// <inheritdoc />
    public RunConfig Config => config;

    /// <inheritdoc />
    public string RoundName => "evaluation";

    /// <inheritdoc />
    public int Rounds => config.Evaluations;

    /// <inheritdoc />
    public long TotalSteps => config.Steps;

    /// <inheritdoc />
    public long WarmupSteps => config.WarmupSteps;

    /// <inheritdoc />
    public long RoundEnd(int round) => Math.Min((long)(round + 1) * config.EvalInterval, config.Steps);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> CreateModel() => ModelFactory.CreateGpt(ModelConfig, config.Init, config.Seed, config.Mimetic, device);

    /// <inheritdoc />
    public void WriteRunStart(RunFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        TextTokenizers.Save(corpus.Tokenizer, files.TokenizerPath);
    }

    /// <inheritdoc />
    public IEnumerable<ITrainingBatch> Batches(int round, TrainingPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        for (var step = position.Step; step < RoundEnd(round); step++)
        {
            yield return new WindowBatch(OnDevice(TokenWindows.Random(corpus.Train, config.BatchSize, ModelConfig.ContextLength, config.Seed, step), device));
        }
    }

    /// <inheritdoc />
    public LanguageMetrics Measure(IReadOnlyList<nn.Module<Tensor, Tensor>> models, RoundTotals totals, Func<double> elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(elapsedSeconds);
        var valLoss = Evaluate(models, corpus.Validation, evaluationStarts, ModelConfig.ContextLength, config.BatchSize, device);
        return new LanguageMetrics(
            totals.Round + 1, totals.Step, totals.LossSum / Math.Max(1, totals.Steps), valLoss, Math.Exp(valLoss), valLoss / Math.Log(2),
            valLoss / Math.Log(2) / corpus.CharactersPerToken, totals.LearningRate, elapsedSeconds(), totals.Samples / totals.TrainSeconds);
    }

    /// <inheritdoc />
    public Dictionary<string, string> Metadata(int roundsCompleted, long stepsDone)
    {
        var metadata = Checkpoint.Metadata("mimetic-gpt", ModelConfig.Heads, config.Model, config.Init, config.Seed, ModelConfig);
        metadata["mimetic.step"] = stepsDone.ToString(CultureInfo.InvariantCulture);
        metadata["mimetic.tokenizer"] = config.Tokenizer;
        return metadata;
    }

    /// <inheritdoc />
    public string? CheckPosition(TrainingPosition position, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(metadata);
        if (position.BatchesIntoEpoch > position.Step || (long)position.EpochsCompleted * config.EvalInterval > position.Step + config.EvalInterval)
        {
            return $"{position.EpochsCompleted} evaluations and {position.BatchesIntoEpoch} steps into the next do not fit in step {position.Step}";
        }

        return metadata.TryGetValue("mimetic.step", out var step) && step != position.Step.ToString(CultureInfo.InvariantCulture)
            ? $"it says step {position.Step}, the checkpoint's weights were saved at step {step}"
            : null;
    }

    /// <inheritdoc />
    public string Completed(LanguageMetrics last)
    {
        ArgumentNullException.ThrowIfNull(last);
        return string.Create(CultureInfo.InvariantCulture,
            $"completed {config.Steps} steps; final validation loss {last.ValLoss:F4} ({last.BitsPerCharacter:F3} bits per character)");
    }

    /// <inheritdoc />
    public void Log(SummaryWriter board, LanguageMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(metrics);
        var step = (int)metrics.Step;
        board.add_scalar("train/loss", (float)metrics.TrainLoss, step);
        board.add_scalar("val/loss", (float)metrics.ValLoss, step);
        board.add_scalar("val/perplexity", (float)metrics.Perplexity, step);
        board.add_scalar("val/bits_per_character", (float)metrics.BitsPerCharacter, step);
        board.add_scalar("learning_rate", (float)metrics.LearningRate, step);
    }

    /// <summary>Mean next-token cross-entropy (nats per token) over the windows starting at <paramref name="starts"/>, without gradients.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokens">The token ids.</param>
    /// <param name="starts">Where the windows start.</param>
    /// <param name="length">Window length.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    /// <param name="device">Where the windows go (default: the CPU).</param>
    public static double Evaluate(nn.Module<Tensor, Tensor> model, int[] tokens, IReadOnlyList<int> starts, int length, int batchSize, Device? device = null) =>
        Evaluate([model], tokens, starts, length, batchSize, device);

    /// <summary>The same, shared by <paramref name="models"/> (the model, then copies with its weights; see <see cref="ParallelEvaluation"/>).</summary>
    public static double Evaluate(IReadOnlyList<nn.Module<Tensor, Tensor>> models, int[] tokens, IReadOnlyList<int> starts, int length, int batchSize, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(starts);
        foreach (var model in models)
        {
            model.eval();
        }

        double lossSum = 0;
        long count = 0;
        var perChunk = ParallelEvaluation.Map(starts.Chunk(Math.Max(1, batchSize)), models, (model, chunk) =>
        {
            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            using var batch = OnDevice(TokenWindows.Batch(tokens, chunk, length), device);
            return ((double)NextTokenLoss(model, batch, nn.Reduction.Sum).item<float>(), batch.Targets.numel());
        });
        foreach (var (loss, targets) in perChunk)
        {
            lossSum += loss;
            count += targets;
        }

        foreach (var model in models)
        {
            model.train();
        }

        return lossSum / Math.Max(1, count);
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static Tensor NextTokenLoss(nn.Module<Tensor, Tensor> model, TokenBatch batch, nn.Reduction reduction)
    {
        var logits = model.call(batch.Inputs);
        return nn.functional.cross_entropy(logits.flatten(0, 1), batch.Targets.flatten(), reduction: reduction);
    }

    private static TokenBatch OnDevice(TokenBatch batch, Device? device) =>
        DeviceBatches.ToDevice(batch, device, move => new TokenBatch(move(batch.Inputs), move(batch.Targets)));

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    /// <summary>A batch of token windows; throughput counts its target tokens.</summary>
    private sealed class WindowBatch(TokenBatch batch) : ITrainingBatch
    {
        public long Samples => batch.Targets.numel();

        public Tensor Loss(nn.Module<Tensor, Tensor> model) => NextTokenLoss(model, batch, nn.Reduction.Mean);

        public long? Correct() => null;

        public ITrainingBatch Part(int index, int count)
        {
            var (start, length) = DataParallelStep.Rows(batch.Inputs.shape[0], index, count);
            return new WindowBatch(new TokenBatch(batch.Inputs.narrow(0, start, length), batch.Targets.narrow(0, start, length)));
        }

        public void Dispose() => batch.Dispose();
    }
}
