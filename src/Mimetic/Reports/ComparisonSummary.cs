using Mimetic.Training;

namespace Mimetic.Reports;

/// <summary>A mean and a sample standard deviation over seeds.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Std">Sample standard deviation (0 for one value).</param>
/// <param name="Count">Number of values.</param>
public readonly record struct MeanStd(double Mean, double Std, int Count)
{
    /// <summary>Mean and sample standard deviation of <paramref name="values"/>.</summary>
    public static MeanStd Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new MeanStd(double.NaN, double.NaN, 0);
        }

        var mean = values.Average();
        var variance = values.Count > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) : 0;
        return new MeanStd(mean, Math.Sqrt(variance), values.Count);
    }
}

/// <summary>One finished (or partial) run, as read back from its run directory.</summary>
/// <param name="Init">Initialization name.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Directory">Run directory.</param>
/// <param name="Metrics">Per-epoch metrics.</param>
public sealed record RunRecord(string Init, long Seed, string Directory, IReadOnlyList<EpochMetrics> Metrics)
{
    /// <summary>Reads a run directory.</summary>
    public static RunRecord Read(string directory)
    {
        var files = new RunFiles(directory);
        var config = files.ReadConfig();
        return new RunRecord(config.Init, config.Seed, files.Directory, files.ReadMetrics());
    }
}

/// <summary>Per-initialization results over seeds.</summary>
/// <param name="Init">Initialization name.</param>
/// <param name="Runs">The runs (one per seed).</param>
/// <param name="FinalTestAccuracy">Test accuracy after the last epoch.</param>
/// <param name="BestTestAccuracy">Best test accuracy over epochs.</param>
/// <param name="FinalTrainLoss">Training loss of the last epoch.</param>
/// <param name="EpochsToTarget">Epochs until the mean test-accuracy curve first reaches the target (the baseline's final mean); null if never.</param>
/// <param name="SecondsToTarget">Mean wall-clock seconds until that epoch; null if never.</param>
/// <param name="Epochs">Epoch numbers of the mean curves.</param>
/// <param name="TestAccuracy">Mean and std of test accuracy per epoch.</param>
/// <param name="TrainLoss">Mean and std of training loss per epoch.</param>
public sealed record InitSummary(
    string Init,
    IReadOnlyList<RunRecord> Runs,
    MeanStd FinalTestAccuracy,
    MeanStd BestTestAccuracy,
    MeanStd FinalTrainLoss,
    int? EpochsToTarget,
    double? SecondsToTarget,
    IReadOnlyList<int> Epochs,
    IReadOnlyList<MeanStd> TestAccuracy,
    IReadOnlyList<MeanStd> TrainLoss);

/// <summary>A comparison of initializations over seeds, computed from run directories only.</summary>
/// <param name="Baseline">The initialization others are measured against (usually <c>default</c>).</param>
/// <param name="Target">The baseline's mean final test accuracy.</param>
/// <param name="Inits">One summary per initialization, baseline first.</param>
public sealed record ComparisonSummary(string Baseline, double Target, IReadOnlyList<InitSummary> Inits)
{
    /// <summary>Summarises runs; the baseline is <c>default</c> if present, else the first init.</summary>
    public static ComparisonSummary From(IReadOnlyList<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (baseline, groups) = SeedStatistics.GroupByInit(runs.Where(r => r.Metrics.Count > 0), r => r.Init, r => r.Seed);
        var target = SeedStatistics.Over(groups[0], r => r.Metrics[^1].TestAccuracy).Mean;
        return new ComparisonSummary(baseline, target, groups.Select(g => Summarize(g[0].Init, g, target)).ToList());
    }

    private static InitSummary Summarize(string init, List<RunRecord> runs, double target)
    {
        var epochs = runs.Min(r => r.Metrics.Count);
        var testAccuracy = SeedStatistics.Curve(runs, epochs, (r, e) => r.Metrics[e].TestAccuracy);
        var trainLoss = SeedStatistics.Curve(runs, epochs, (r, e) => r.Metrics[e].TrainLoss);
        var reached = SeedStatistics.FirstReaching(testAccuracy, target, higherIsBetter: true);
        double? seconds = reached < 0 ? null : runs.Average(r => r.Metrics.Take(reached + 1).Sum(m => m.Seconds));
        return new InitSummary(
            init, runs,
            SeedStatistics.Over(runs, r => r.Metrics[^1].TestAccuracy),
            SeedStatistics.Over(runs, r => r.Metrics.Max(m => m.TestAccuracy)),
            SeedStatistics.Over(runs, r => r.Metrics[^1].TrainLoss),
            reached < 0 ? null : reached + 1,
            seconds,
            Enumerable.Range(1, epochs).ToList(),
            testAccuracy,
            trainLoss);
    }
}

/// <summary>The statistics over seeds that every comparison report shares.</summary>
internal static class SeedStatistics
{
    /// <summary>
    /// Runs grouped by init, each group by seed; the baseline (<c>default</c> if present, else the first init) first, then by name.
    /// </summary>
    /// <exception cref="ArgumentException">No runs.</exception>
    public static (string Baseline, List<List<TRun>> Groups) GroupByInit<TRun>(IEnumerable<TRun> runs, Func<TRun, string> init, Func<TRun, long> seed)
    {
        var groups = runs.GroupBy(init).ToList();
        if (groups.Count == 0)
        {
            throw new ArgumentException("No run has finished an epoch yet: nothing to report.");
        }

        var baseline = groups.Any(g => g.Key == Init.WeightInit.Default) ? Init.WeightInit.Default : groups[0].Key;
        var ordered = groups.OrderBy(g => g.Key == baseline ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.OrderBy(seed).ToList()).ToList();
        return (baseline, ordered);
    }

    /// <summary>Mean and std over runs of one value per run.</summary>
    public static MeanStd Over<TRun>(IEnumerable<TRun> runs, Func<TRun, double> value) => MeanStd.Of(runs.Select(value).ToList());

    /// <summary>Mean and std over runs at each of the first <paramref name="points"/> evaluations.</summary>
    public static List<MeanStd> Curve<TRun>(IReadOnlyList<TRun> runs, int points, Func<TRun, int, double> value) =>
        Enumerable.Range(0, points).Select(i => Over(runs, r => value(r, i))).ToList();

    /// <summary>The first index whose mean reaches <paramref name="target"/> (from above or below), or −1.</summary>
    public static int FirstReaching(List<MeanStd> curve, double target, bool higherIsBetter) =>
        curve.FindIndex(m => higherIsBetter ? m.Mean >= target - 1e-12 : m.Mean <= target + 1e-12);
}
