using System.Globalization;
using Mimetic.Training;

namespace Mimetic.Studies;

/// <summary>How one run of a study ended, as the trainer that ran it reports.</summary>
public enum RunEnd
{
    /// <summary>Trained (or resumed) to completion.</summary>
    Completed,

    /// <summary>Ended otherwise: diverged, failed, or held by another process.</summary>
    Failed,

    /// <summary>Stopped by the user (Ctrl-C or a signal): the study stops too.</summary>
    Stopped,
}

/// <summary>What running a study's grid did.</summary>
/// <param name="Trained">Runs trained (or resumed) to completion now.</param>
/// <param name="Skipped">Runs already complete.</param>
/// <param name="Failed">Runs that ended otherwise (diverged, failed, held by another process).</param>
/// <param name="Stopped">Whether the user stopped the study.</param>
public sealed record StudyOutcome(int Trained, int Skipped, int Failed, bool Stopped)
{
    /// <summary>Nothing run.</summary>
    public static StudyOutcome None { get; } = new(0, 0, 0, false);
}

/// <summary>
/// Runs a study's grid in this process, one run after another, each the way a given trainer trains one
/// run (the CLI runs each run's <c>--plan</c> command line): completed runs are skipped, unfinished ones resume,
/// and a stopped run stops the study.
/// </summary>
public static class StudyRunner
{
    /// <summary>Trains every distinct run of <paramref name="runs"/> that has not completed.</summary>
    /// <param name="runs">The grid's runs.</param>
    /// <param name="train">Trains one run, given its 1-based index among the distinct runs and their count.</param>
    public static StudyOutcome Run(IReadOnlyList<StudyRun> runs, Func<StudyRun, int, int, RunEnd> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var distinct = StudyGrid.Distinct(runs);
        int trained = 0, skipped = 0, failed = 0;
        foreach (var (run, index) in distinct.Select((r, i) => (r, i + 1)))
        {
            if (IsCompleted(run.Directory))
            {
                skipped++;
                continue;
            }

            switch (train(run, index, distinct.Count))
            {
                case RunEnd.Stopped:
                    return new StudyOutcome(trained, skipped, failed, Stopped: true);
                case RunEnd.Completed:
                    trained++;
                    break;
                default:
                    failed++;
                    break;
            }
        }

        return new StudyOutcome(trained, skipped, failed, Stopped: false);
    }

    /// <summary>
    /// Whether the run directory holds a completed run: a config, a status that says Completed after at least one round,
    /// and a metrics line for each of those rounds (a status alone proves nothing).
    /// </summary>
    public static bool IsCompleted(string directory)
    {
        var files = new RunFiles(directory);
        if (!files.Exists || files.ReadStatus() is not { State: RunState.Completed, EpochsCompleted: > 0 } status || !File.Exists(files.MetricsJsonPath))
        {
            return false;
        }

        return File.ReadLines(files.MetricsJsonPath).Count(line => line.Length > 0) >= status.EpochsCompleted;
    }

    /// <summary>
    /// A comparison: inits × seeds with everything else (<paramref name="given"/>) equal — a study with two axes,
    /// whose runs go to <c>ROOT/&lt;init&gt;-seed&lt;seed&gt;</c> (<see cref="StudyGrid.Expand"/> with <c>nameByAllOptions: false</c>).
    /// </summary>
    public static StudyDefinition Comparison(string kind, string title, IReadOnlyDictionary<string, string?> given, IReadOnlyList<string> inits, IReadOnlyList<long> seeds)
    {
        ArgumentNullException.ThrowIfNull(inits);
        ArgumentNullException.ThrowIfNull(seeds);
        return new StudyDefinition("compare", title, kind, "", given,
            [
                new StudyAxis(StudyDefinition.SeedOption, seeds.Select(s => Value(StudyDefinition.SeedOption, s.ToString(CultureInfo.InvariantCulture))).ToList()),
                new StudyAxis(StudyDefinition.InitOption, inits.Select(i => Value(StudyDefinition.InitOption, i)).ToList()),
            ],
            StudyDefinition.InitOption);
    }

    private static AxisValue Value(string option, string value) => new(value, new Dictionary<string, string?> { [option] = value });
}
