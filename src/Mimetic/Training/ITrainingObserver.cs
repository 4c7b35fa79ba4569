namespace Mimetic.Training;

/// <summary>A finished optimizer step, for progress displays.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="BatchesPerEpoch">Batches per epoch.</param>
/// <param name="Loss">Running mean training loss of the epoch.</param>
/// <param name="Accuracy">Running training accuracy of the epoch.</param>
/// <param name="ImagesPerSecond">Running throughput of the epoch.</param>
/// <param name="LearningRate">The step's learning rate.</param>
public sealed record StepReport(int Epoch, int Batch, int BatchesPerEpoch, double Loss, double Accuracy, double ImagesPerSecond, double LearningRate);

/// <summary>Receives a run's progress. The library never draws on the console; the CLI does.</summary>
public interface ITrainingObserver
{
    /// <summary>A run starts or resumes.</summary>
    void RunStarted(TrainingConfig config, string runDirectory, int startEpoch, int totalEpochs, int batchesPerEpoch) { }

    /// <summary>An optimizer step finished.</summary>
    void StepFinished(StepReport report) { }

    /// <summary>An epoch finished, was evaluated and checkpointed.</summary>
    void EpochFinished(EpochMetrics metrics) { }

    /// <summary>A note worth showing (resume, stop, divergence).</summary>
    void Note(string message) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class SilentObserver : ITrainingObserver
{
    /// <summary>The shared instance.</summary>
    public static SilentObserver Instance { get; } = new();
}
