namespace Mimetic.Training;

/// <summary>What a call to <see cref="Trainer.Run"/> achieved.</summary>
/// <param name="RunDirectory">Where everything was written.</param>
/// <param name="State">How it ended.</param>
/// <param name="Metrics">Per-epoch metrics of the whole run (resumed parts included).</param>
/// <param name="Message">One line for the user.</param>
public sealed record TrainingResult(string RunDirectory, RunState State, IReadOnlyList<EpochMetrics> Metrics, string Message)
{
    /// <summary>Test accuracy after the last epoch, or NaN before any.</summary>
    public double FinalTestAccuracy => Metrics.Count > 0 ? Metrics[^1].TestAccuracy : double.NaN;

    /// <summary>Best test accuracy over epochs, or NaN before any.</summary>
    public double BestTestAccuracy => Metrics.Count > 0 ? Metrics.Max(m => m.TestAccuracy) : double.NaN;
}
