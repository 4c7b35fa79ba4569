using Mimetic.Training;
using System.Globalization;

namespace Mimetic.Vision;

/// <summary>What one epoch of an image classifier measured. One line of <c>metrics.jsonl</c> and <c>metrics.csv</c>.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss (with label smoothing) over the epoch's steps.</param>
/// <param name="TrainAccuracy">Training accuracy on the augmented batches.</param>
/// <param name="TestLoss">Test loss (no label smoothing).</param>
/// <param name="TestAccuracy">Test accuracy.</param>
/// <param name="LearningRate">Learning rate at the epoch's last step.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch (training and evaluation).</param>
/// <param name="ImagesPerSecond">Training throughput.</param>
/// <param name="TotalSeconds">Cumulative wall-clock seconds of training and evaluation since the run began, at the epoch's end (0 in runs written before it was recorded).</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double TestLoss,
    double TestAccuracy,
    double LearningRate,
    double Seconds,
    double ImagesPerSecond,
    double TotalSeconds = 0) : IRoundMetrics
{
    int IRoundMetrics.Round => Epoch;

    double IRoundMetrics.EvaluationLoss => TestLoss;

    /// <inheritdoc />
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"train loss {TrainLoss:F3} acc {100 * TrainAccuracy:F1}% | test loss {TestLoss:F3} acc {100 * TestAccuracy:F2}% | {ImagesPerSecond:F0} img/s, {Seconds:F0} s");
}
