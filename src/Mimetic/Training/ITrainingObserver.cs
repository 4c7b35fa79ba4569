namespace Mimetic.Training;

/// <summary>A run starting or resuming, for progress displays.</summary>
/// <param name="Config">The run's config.</param>
/// <param name="Directory">The run directory.</param>
/// <param name="RoundName">"epoch" or "evaluation".</param>
/// <param name="Rounds">Rounds of the run.</param>
/// <param name="StartStep">Steps already done.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
public sealed record RunStart(RunConfig Config, string Directory, string RoundName, int Rounds, long StartStep, long TotalSteps);

/// <summary>A finished optimizer step, for progress displays.</summary>
/// <param name="Round">1-based round (epoch or evaluation interval).</param>
/// <param name="Rounds">Rounds of the run.</param>
/// <param name="StepInRound">1-based step within the round.</param>
/// <param name="Step">Steps done in the run.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Loss">Running mean training loss of the round.</param>
/// <param name="Accuracy">Running training accuracy of the round, where the task counts it.</param>
/// <param name="SamplesPerSecond">Running throughput of the round (images or tokens per second).</param>
/// <param name="LearningRate">The step's learning rate.</param>
public sealed record StepReport(int Round, int Rounds, int StepInRound, long Step, long TotalSteps, double Loss, double? Accuracy, double SamplesPerSecond, double LearningRate);

/// <summary>Receives a run's progress. The library never draws on the console; the CLI does.</summary>
public interface ITrainingObserver
{
    /// <summary>A run starts or resumes.</summary>
    void RunStarted(RunStart start) { }

    /// <summary>An optimizer step finished.</summary>
    void StepFinished(StepReport report) { }

    /// <summary>A round finished, was evaluated and checkpointed.</summary>
    void RoundFinished(IRoundMetrics metrics) { }

    /// <summary>A note worth showing (resume, stop, divergence).</summary>
    void Note(string message) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class SilentObserver : ITrainingObserver
{
    /// <summary>The shared instance.</summary>
    public static SilentObserver Instance { get; } = new();
}
