using System.Globalization;

namespace Mimetic.Reports;

/// <summary>
/// When a vision run first reached an accuracy: the cumulative training + evaluation time (<c>TotalSeconds</c>) of
/// the first epoch whose evaluation accuracy is at least the threshold. Runs written before the time was recorded
/// have none.
/// </summary>
public static class TimeToAccuracy
{
    /// <summary>The thresholds reports show.</summary>
    public static IReadOnlyList<double> Thresholds { get; } = [0.60, 0.70, 0.75, 0.80];

    /// <summary>The metrics field of cumulative seconds.</summary>
    public const string TotalSeconds = "TotalSeconds";

    /// <summary>Whether <paramref name="run"/> recorded cumulative time.</summary>
    public static bool IsTimed(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Rows.Count > 0 && run.Rows.All(r => r.GetValueOrDefault(TotalSeconds) > 0);
    }

    /// <summary>Seconds until <paramref name="run"/> first reached <paramref name="accuracy"/> (0–1), or null if it never did or is not timed.</summary>
    public static double? SecondsTo(RunRecord run, double accuracy)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!IsTimed(run))
        {
            return null;
        }

        var first = run.Rows.FirstOrDefault(r => r.GetValueOrDefault(MetricSchema.Vision.Primary.Key) >= accuracy);
        return first?[TotalSeconds];
    }

    /// <summary>The mean over <paramref name="runs"/> of the cumulative minutes at each of their first <paramref name="points"/> rounds.</summary>
    public static double[] MeanMinutes(IReadOnlyList<RunRecord> runs, int points)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return Enumerable.Range(0, points).Select(e => runs.Average(r => r.Value(e, TotalSeconds)) / 60).ToArray();
    }

    /// <summary>Minutes to <paramref name="accuracy"/>, as a table cell ("–" when never reached).</summary>
    public static string Cell(RunRecord run, double accuracy) =>
        SecondsTo(run, accuracy) is { } seconds ? (seconds / 60).ToString("F1", CultureInfo.InvariantCulture) : "–";
}
