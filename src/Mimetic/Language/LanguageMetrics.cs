using Mimetic.Training;

namespace Mimetic.Language;

/// <summary>What one evaluation measured. One line of <c>metrics.jsonl</c> and <c>metrics.csv</c>.</summary>
/// <param name="Eval">1-based evaluation number (the run files' "epoch").</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TrainLoss">Mean training loss (nats per token) over the steps since the previous evaluation.</param>
/// <param name="ValLoss">Validation loss, nats per token.</param>
/// <param name="Perplexity">exp(validation loss).</param>
/// <param name="BitsPerToken">Validation loss in bits per token.</param>
/// <param name="BitsPerCharacter">Validation loss in bits per character (equal to bits per token for the character tokenizer).</param>
/// <param name="LearningRate">Learning rate at the interval's last step.</param>
/// <param name="Seconds">Wall-clock seconds of the interval (training and evaluation).</param>
/// <param name="TokensPerSecond">Training throughput.</param>
public sealed record LanguageMetrics(
    int Eval,
    long Step,
    double TrainLoss,
    double ValLoss,
    double Perplexity,
    double BitsPerToken,
    double BitsPerCharacter,
    double LearningRate,
    double Seconds,
    double TokensPerSecond);

/// <summary>A finished optimizer step of a language-model run, for progress displays.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps of the run.</param>
/// <param name="Loss">Running mean training loss since the last evaluation.</param>
/// <param name="TokensPerSecond">Running throughput.</param>
/// <param name="LearningRate">The step's learning rate.</param>
public sealed record LanguageStepReport(long Step, long TotalSteps, double Loss, double TokensPerSecond, double LearningRate);

/// <summary>Receives a language-model run's progress (besides <see cref="ITrainingObserver.Note"/>).</summary>
public interface ILanguageTrainingObserver : ITrainingObserver
{
    /// <summary>A run starts or resumes.</summary>
    void LanguageRunStarted(LanguageTrainingConfig config, string runDirectory, long startStep) { }

    /// <summary>An optimizer step finished.</summary>
    void LanguageStepFinished(LanguageStepReport report) { }

    /// <summary>An evaluation finished and was checkpointed.</summary>
    void EvaluationFinished(LanguageMetrics metrics) { }
}

/// <summary>A language-model observer that ignores everything.</summary>
public sealed class SilentLanguageObserver : ILanguageTrainingObserver
{
    /// <summary>The shared instance.</summary>
    public static SilentLanguageObserver Instance { get; } = new();
}

/// <summary>What a call to <see cref="LanguageTrainer.Run"/> achieved.</summary>
/// <param name="RunDirectory">Where everything was written.</param>
/// <param name="State">How it ended.</param>
/// <param name="Metrics">Per-evaluation metrics of the whole run (resumed parts included).</param>
/// <param name="Message">One line for the user.</param>
public sealed record LanguageTrainingResult(string RunDirectory, RunState State, IReadOnlyList<LanguageMetrics> Metrics, string Message);
