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
        var complete = runs.Where(r => r.Metrics.Count > 0).ToList();
        if (complete.Count == 0)
        {
            throw new ArgumentException("No run has finished an epoch yet: nothing to report.");
        }

        var groups = complete.GroupBy(r => r.Init).ToList();
        var baseline = groups.Any(g => g.Key == Init.WeightInit.Default) ? Init.WeightInit.Default : groups[0].Key;
        var ordered = groups.OrderBy(g => g.Key == baseline ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var target = MeanStd.Of(ordered[0].Select(r => r.Metrics[^1].TestAccuracy).ToList()).Mean;
        return new ComparisonSummary(baseline, target, ordered.Select(g => Summarize(g.Key, g.OrderBy(r => r.Seed).ToList(), target)).ToList());
    }

    private static InitSummary Summarize(string init, List<RunRecord> runs, double target)
    {
        var epochs = runs.Min(r => r.Metrics.Count);
        var testAccuracy = Enumerable.Range(0, epochs).Select(e => MeanStd.Of(runs.Select(r => r.Metrics[e].TestAccuracy).ToList())).ToList();
        var trainLoss = Enumerable.Range(0, epochs).Select(e => MeanStd.Of(runs.Select(r => r.Metrics[e].TrainLoss).ToList())).ToList();
        var reached = testAccuracy.FindIndex(m => m.Mean >= target - 1e-12);
        double? seconds = reached < 0 ? null : runs.Average(r => r.Metrics.Take(reached + 1).Sum(m => m.Seconds));
        return new InitSummary(
            init, runs,
            MeanStd.Of(runs.Select(r => r.Metrics[^1].TestAccuracy).ToList()),
            MeanStd.Of(runs.Select(r => r.Metrics.Max(m => m.TestAccuracy)).ToList()),
            MeanStd.Of(runs.Select(r => r.Metrics[^1].TrainLoss).ToList()),
            reached < 0 ? null : reached + 1,
            seconds,
            Enumerable.Range(1, epochs).ToList(),
            testAccuracy,
            trainLoss);
    }
}
