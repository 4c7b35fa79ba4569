namespace Mimetic.Training;

/// <summary>What a call to <see cref="TrainingLoop{TMetrics}.Run"/> achieved.</summary>
/// <typeparam name="TMetrics">The task's metrics line.</typeparam>
/// <param name="RunDirectory">Where everything was written.</param>
/// <param name="State">How it ended.</param>
/// <param name="Metrics">Per-round metrics of the whole run (resumed parts included).</param>
/// <param name="Message">One line for the user.</param>
public sealed record TrainingResult<TMetrics>(string RunDirectory, RunState State, IReadOnlyList<TMetrics> Metrics, string Message)
    where TMetrics : IRoundMetrics;
