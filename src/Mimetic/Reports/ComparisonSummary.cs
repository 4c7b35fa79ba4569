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

/// <summary>Per-initialization results over seeds.</summary>
/// <param name="Init">Initialization name.</param>
/// <param name="Runs">The runs (one per seed).</param>
/// <param name="Final">The primary metric after the last round.</param>
/// <param name="Best">The best primary metric over rounds.</param>
/// <param name="Extras">The schema's further metrics after the last round, in its order.</param>
/// <param name="FinalTrainLoss">Training loss of the last round.</param>
/// <param name="ToTarget">The x value (epoch or step) at which the mean primary curve first reaches the target (the baseline's final mean); null if never.</param>
/// <param name="SecondsToTarget">Mean wall-clock seconds until then; null if never.</param>
/// <param name="Xs">The x values (epochs or steps) of the mean curves.</param>
/// <param name="Curve">Mean and std of the primary metric per round.</param>
/// <param name="TrainLoss">Mean and std of training loss per round.</param>
public sealed record InitSummary(
    string Init,
    IReadOnlyList<RunRecord> Runs,
    MeanStd Final,
    MeanStd Best,
    IReadOnlyList<MeanStd> Extras,
    MeanStd FinalTrainLoss,
    double? ToTarget,
    double? SecondsToTarget,
    IReadOnlyList<double> Xs,
    IReadOnlyList<MeanStd> Curve,
    IReadOnlyList<MeanStd> TrainLoss);

/// <summary>
/// A comparison of initializations over seeds, for any model kind, computed from run directories only.
/// </summary>
/// <param name="Schema">How the runs' metrics are read and shown.</param>
/// <param name="Baseline">The initialization others are measured against (usually <c>default</c>).</param>
/// <param name="Target">The baseline's mean final primary metric.</param>
/// <param name="Inits">One summary per initialization, baseline first.</param>
public sealed record ComparisonSummary(MetricSchema Schema, string Baseline, double Target, IReadOnlyList<InitSummary> Inits)
{
    /// <summary>Summarises runs of one model kind; the baseline is <c>default</c> if present, else the first init.</summary>
    /// <exception cref="ArgumentException">No run has finished a round, or the runs are of different kinds.</exception>
    public static ComparisonSummary From(IReadOnlyList<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var finished = runs.Where(r => r.Rows.Count > 0).ToList();
        var kinds = finished.Select(r => r.Config.Task).Distinct().ToList();
        if (kinds.Count > 1)
        {
            throw new ArgumentException($"The runs mix model kinds ({string.Join(", ", kinds)}); report them apart.");
        }

        var (baseline, groups) = SeedStatistics.GroupByInit(finished, r => r.Init, r => r.Seed);
        var schema = MetricSchema.For(kinds[0]);
        var target = SeedStatistics.Over(groups[0], r => r.Final(schema.Primary.Key)).Mean;
        return new ComparisonSummary(schema, baseline, target, groups.Select(g => Summarize(schema, g[0].Init, g, target)).ToList());
    }

    /// <summary>The summary of <paramref name="init"/>, if it was compared.</summary>
    public InitSummary? Of(string init) => Inits.FirstOrDefault(i => i.Init == init);

    private static InitSummary Summarize(MetricSchema schema, string init, List<RunRecord> runs, double target)
    {
        var points = runs.Min(r => r.Rows.Count);
        var key = schema.Primary.Key;
        var curve = SeedStatistics.Curve(runs, points, (r, e) => r.Value(e, key));
        var reached = SeedStatistics.FirstReaching(curve, target, schema.HigherIsBetter);
        var best = schema.HigherIsBetter
            ? SeedStatistics.Over(runs, r => Enumerable.Range(0, r.Rows.Count).Max(e => r.Value(e, key)))
            : SeedStatistics.Over(runs, r => Enumerable.Range(0, r.Rows.Count).Min(e => r.Value(e, key)));
        return new InitSummary(
            init, runs,
            SeedStatistics.Over(runs, r => r.Final(key)),
            best,
            schema.Extras.Select(x => SeedStatistics.Over(runs, r => r.Final(x.Key))).ToList(),
            SeedStatistics.Over(runs, r => r.Final(MetricSchema.TrainLoss.Key)),
            reached < 0 ? null : runs[0].Value(reached, schema.X.Key),
            reached < 0 ? null : runs.Average(r => Enumerable.Range(0, reached + 1).Sum(e => r.Value(e, MetricSchema.Seconds))),
            Enumerable.Range(0, points).Select(e => runs[0].Value(e, schema.X.Key)).ToList(),
            curve,
            SeedStatistics.Curve(runs, points, (r, e) => r.Value(e, MetricSchema.TrainLoss.Key)));
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
