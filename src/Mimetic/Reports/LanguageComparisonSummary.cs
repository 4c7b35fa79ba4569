using Mimetic.Language;
using Mimetic.Training;

namespace Mimetic.Reports;

/// <summary>One language-model run, as read back from its run directory.</summary>
/// <param name="Init">Initialization name.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Directory">Run directory.</param>
/// <param name="Metrics">Per-evaluation metrics.</param>
public sealed record LanguageRunRecord(string Init, long Seed, string Directory, IReadOnlyList<LanguageMetrics> Metrics)
{
    /// <summary>Reads a run directory.</summary>
    public static LanguageRunRecord Read(string directory)
    {
        var files = new RunFiles(directory);
        var config = files.ReadConfig<LanguageTrainingConfig>();
        return new LanguageRunRecord(config.Init, config.Seed, files.Directory, files.ReadMetrics<LanguageMetrics>());
    }
}

/// <summary>Per-initialization language-model results over seeds.</summary>
/// <param name="Init">Initialization name.</param>
/// <param name="Runs">The runs (one per seed).</param>
/// <param name="FinalValLoss">Validation loss at the last evaluation (nats per token).</param>
/// <param name="BestValLoss">Lowest validation loss over evaluations.</param>
/// <param name="FinalPerplexity">Validation perplexity at the last evaluation.</param>
/// <param name="FinalBitsPerToken">Validation bits per token at the last evaluation.</param>
/// <param name="FinalBitsPerCharacter">Validation bits per character at the last evaluation.</param>
/// <param name="FinalTrainLoss">Training loss of the last interval.</param>
/// <param name="StepsToTarget">Steps until the mean validation-loss curve first reaches the target (the baseline's final mean); null if never.</param>
/// <param name="SecondsToTarget">Mean wall-clock seconds until then; null if never.</param>
/// <param name="Steps">Step of each evaluation of the mean curves.</param>
/// <param name="ValLoss">Mean and std of validation loss per evaluation.</param>
/// <param name="TrainLoss">Mean and std of training loss per evaluation.</param>
public sealed record LanguageInitSummary(
    string Init,
    IReadOnlyList<LanguageRunRecord> Runs,
    MeanStd FinalValLoss,
    MeanStd BestValLoss,
    MeanStd FinalPerplexity,
    MeanStd FinalBitsPerToken,
    MeanStd FinalBitsPerCharacter,
    MeanStd FinalTrainLoss,
    long? StepsToTarget,
    double? SecondsToTarget,
    IReadOnlyList<long> Steps,
    IReadOnlyList<MeanStd> ValLoss,
    IReadOnlyList<MeanStd> TrainLoss);

/// <summary>A language-model comparison of initializations over seeds, computed from run directories only.</summary>
/// <param name="Baseline">The initialization others are measured against (usually <c>default</c>).</param>
/// <param name="Target">The baseline's mean final validation loss.</param>
/// <param name="Inits">One summary per initialization, baseline first.</param>
public sealed record LanguageComparisonSummary(string Baseline, double Target, IReadOnlyList<LanguageInitSummary> Inits)
{
    /// <summary>Summarises runs; the baseline is <c>default</c> if present, else the first init.</summary>
    public static LanguageComparisonSummary From(IReadOnlyList<LanguageRunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var (baseline, groups) = SeedStatistics.GroupByInit(runs.Where(r => r.Metrics.Count > 0), r => r.Init, r => r.Seed);
        var target = SeedStatistics.Over(groups[0], r => r.Metrics[^1].ValLoss).Mean;
        return new LanguageComparisonSummary(baseline, target, groups.Select(g => Summarize(g[0].Init, g, target)).ToList());
    }

    private static LanguageInitSummary Summarize(string init, List<LanguageRunRecord> runs, double target)
    {
        var points = runs.Min(r => r.Metrics.Count);
        var valLoss = SeedStatistics.Curve(runs, points, (r, e) => r.Metrics[e].ValLoss);
        var reached = SeedStatistics.FirstReaching(valLoss, target, higherIsBetter: false);
        return new LanguageInitSummary(
            init, runs,
            SeedStatistics.Over(runs, r => r.Metrics[^1].ValLoss),
            SeedStatistics.Over(runs, r => r.Metrics.Min(m => m.ValLoss)),
            SeedStatistics.Over(runs, r => r.Metrics[^1].Perplexity),
            SeedStatistics.Over(runs, r => r.Metrics[^1].BitsPerToken),
            SeedStatistics.Over(runs, r => r.Metrics[^1].BitsPerCharacter),
            SeedStatistics.Over(runs, r => r.Metrics[^1].TrainLoss),
            reached < 0 ? null : runs[0].Metrics[reached].Step,
            reached < 0 ? null : runs.Average(r => r.Metrics.Take(reached + 1).Sum(m => m.Seconds)),
            runs[0].Metrics.Take(points).Select(m => m.Step).ToList(),
            valLoss,
            SeedStatistics.Curve(runs, points, (r, e) => r.Metrics[e].TrainLoss));
    }
}
