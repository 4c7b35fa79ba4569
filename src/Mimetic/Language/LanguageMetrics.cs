using System.Globalization;
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
    double TokensPerSecond) : IRoundMetrics
{
    int IRoundMetrics.Round => Eval;

    double IRoundMetrics.EvaluationLoss => ValLoss;

    /// <inheritdoc />
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"step {Step}: train loss {TrainLoss:F3} | val loss {ValLoss:F4} {BitsPerCharacter:F3} bits/char ppl {Perplexity:F2} | {TokensPerSecond:F0} tok/s, {Seconds:F0} s");
}
