using System.Globalization;
using System.Text;

namespace Mimetic.Reports;

/// <summary>
/// Writes a comparison's Markdown report and PNG plots, for any model kind, from run directories alone, so any
/// report can be regenerated from saved runs (<c>mimetic report DIR</c>).
/// </summary>
public static class ComparisonReport
{
    /// <summary>File name of the Markdown report.</summary>
    public const string ReportFile = "report.md";

    /// <summary>File name of the training-loss plot.</summary>
    public const string LossPlot = "train-loss.png";

    /// <summary>Finds every run directory (one holding <c>config.json</c>) below <paramref name="root"/>.</summary>
    public static IReadOnlyList<RunRecord> FindRuns(string root) => FindRunDirectories(root).Select(RunRecord.Read).ToList();

    /// <summary>Every run directory (one holding <c>config.json</c>) below <paramref name="root"/>, in name order.</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    public static IReadOnlyList<string> FindRunDirectories(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"No such directory: {root}");
        }

        return Directory.EnumerateFiles(root, "config.json", SearchOption.AllDirectories)
            .Select(f => Path.GetDirectoryName(f)!)
            .OrderBy(d => d, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Summarises the runs below <paramref name="root"/> and writes report and plots there.</summary>
    /// <param name="root">The comparison directory.</param>
    /// <param name="title">Report heading.</param>
    /// <param name="command">The command that produced the runs, quoted in the report.</param>
    /// <returns>The summary the report shows.</returns>
    public static ComparisonSummary Write(string root, string title, string? command = null) => Write(root, FindRuns(root), title, command);

    /// <summary>Summarises <paramref name="runs"/> and writes report and plots to <paramref name="directory"/>.</summary>
    public static ComparisonSummary Write(string directory, IReadOnlyList<RunRecord> runs, string title, string? command = null)
    {
        var summary = ComparisonSummary.From(runs);
        Io.UserFile.RequireFolderOrMissing(directory, "output folder");
        Directory.CreateDirectory(directory);
        var plots = SavePlots(summary, directory, "");
        Training.RunFiles.WriteAtomically(Path.Combine(directory, ReportFile), Markdown(summary, title, command, plots));
        return summary;
    }

    /// <summary>File name of the accuracy-against-minutes plot (vision runs that record their time).</summary>
    public const string MinutesPlot = "accuracy-minutes.png";

    /// <summary>
    /// Saves the primary-metric and training-loss plots (file names prefixed by <paramref name="prefix"/>) and, where
    /// every run is a vision run that records its time, accuracy against cumulative minutes; returns their names.
    /// </summary>
    public static CurvePlots SavePlots(ComparisonSummary summary, string directory, string prefix)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var schema = summary.Schema;
        var options = new LinePlotOptions { IntegerX = true };
        var primary = prefix + schema.PrimaryPlot;
        var loss = prefix + LossPlot;
        LinePlot.Save(Path.Combine(directory, primary), schema.PrimaryTitle, schema.XLabel, schema.Primary.Label,
            summary.Inits.Select(i => Series.OverSeeds(Legend(i.Init, i.Runs.Count), [.. i.Xs], i.Curve, schema.Primary.Scale)), options);
        LinePlot.Save(Path.Combine(directory, loss), "Training loss", schema.XLabel, schema.TrainLossLabel,
            summary.Inits.Select(i => Series.OverSeeds(Legend(i.Init, i.Runs.Count), [.. i.Xs], i.TrainLoss)), options);
        if (schema != MetricSchema.Vision || !summary.Inits.SelectMany(i => i.Runs).All(TimeToAccuracy.IsTimed))
        {
            return new CurvePlots(primary, loss, null);
        }

        var minutes = prefix + MinutesPlot;
        LinePlot.Save(Path.Combine(directory, minutes), schema.PrimaryTitle + " against time", "minutes (training + evaluation; mean over seeds)", schema.Primary.Label,
            summary.Inits.Select(i => Series.OverSeeds(Legend(i.Init, i.Runs.Count), TimeToAccuracy.MeanMinutes(i.Runs, i.Xs.Count), i.Curve, schema.Primary.Scale)),
            new LinePlotOptions());
        return new CurvePlots(primary, loss, minutes);
    }

    /// <summary>The results table as Markdown: one row per init.</summary>
    public static string Table(ComparisonSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var schema = summary.Schema;
        var target = schema.Primary.Show(summary.Target);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"| init | seeds | final {schema.Primary.Label} | best {schema.Primary.Label} |");
        foreach (var extra in schema.Extras)
        {
            text.Append(CultureInfo.InvariantCulture, $" {extra.Label} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $" final train loss | {schema.XLabel}s to {target} | seconds to {target} |");
        text.AppendLine("|---|---:|---:|---:|" + string.Concat(schema.Extras.Select(_ => "---:|")) + "---:|---:|---:|");
        foreach (var init in summary.Inits)
        {
            var reached = init.ToTarget is { } x ? schema.X.Show(x) : "not reached";
            var seconds = init.SecondsToTarget is { } s ? s.ToString("F0", CultureInfo.InvariantCulture) : "—";
            text.Append(CultureInfo.InvariantCulture, $"| {init.Init} | {init.Runs.Count} | {schema.Primary.Show(init.Final)} | {schema.Primary.Show(init.Best)} |");
            for (var i = 0; i < schema.Extras.Count; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $" {schema.Extras[i].Show(init.Extras[i])} |");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $" {MetricSchema.TrainLoss.Show(init.FinalTrainLoss)} | {reached} | {seconds} |");
        }

        return text.ToString();
    }

    /// <summary>One row per run: init, seed, final and best primary metric, rounds, seconds.</summary>
    public static string RunTable(ComparisonSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var schema = summary.Schema;
        var key = schema.Primary.Key;
        var all = summary.Inits.SelectMany(i => i.Runs).ToList();
        var timed = schema == MetricSchema.Vision && all.Any(TimeToAccuracy.IsTimed);   // minutes to each accuracy, where recorded
        var thresholds = timed ? TimeToAccuracy.Thresholds : [];
        var runs = new StringBuilder();
        runs.AppendLine(CultureInfo.InvariantCulture,
            $"| init | seed | final {schema.Primary.Label} | best {schema.Primary.Label} | {schema.XLabel} | seconds |{string.Concat(thresholds.Select(t => $" min. to {100 * t:F0} % |"))}");
        runs.AppendLine("|---|---:|---:|---:|---:|---:|" + string.Concat(thresholds.Select(_ => "---:|")));
        foreach (var run in all)
        {
            var values = Enumerable.Range(0, run.Rows.Count).Select(e => run.Value(e, key)).ToList();
            runs.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Init} | {run.Seed} | {schema.Primary.Show(values[^1])} | {schema.Primary.Show(schema.HigherIsBetter ? values.Max() : values.Min())} | " +
                $"{schema.X.Show(run.Final(schema.X.Key))} | {run.Rows.Sum(r => r.GetValueOrDefault(MetricSchema.Seconds)):F0} |{string.Concat(thresholds.Select(t => $" {TimeToAccuracy.Cell(run, t)} |"))}");
        }

        return runs.ToString();
    }

    private static string Markdown(ComparisonSummary summary, string title, string? command, CurvePlots plots)
    {
        var schema = summary.Schema;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {title}");
        text.AppendLine();
        if (command is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Produced by `{command}`; regenerate this report from the saved runs with `mimetic report <this directory>`.");
            text.AppendLine();
        }

        text.AppendLine(CultureInfo.InvariantCulture,
            $"Mean ± sample standard deviation over seeds ({schema.Primary.Label}: {(schema.HigherIsBetter ? "higher" : "lower")} is better). The target is the `{summary.Baseline}` runs' mean final\n" +
            $"{schema.Primary.Label}; '{schema.XLabel}s to' is the first {schema.XLabel} at which an init's mean curve reaches it.");
        text.AppendLine();
        text.Append(Table(summary));
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"![{schema.PrimaryTitle.ToLowerInvariant()}]({schema.PrimaryPlot})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"![training loss]({LossPlot})");
        text.AppendLine();
        if (plots.Minutes is { } minutes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"![{schema.PrimaryTitle.ToLowerInvariant()} against minutes]({minutes})");
            text.AppendLine();
        }

        text.AppendLine("## Runs");
        text.AppendLine();
        text.Append(RunTable(summary));
        return text.ToString();
    }

    /// <summary>A curve's legend: the init and its number of seeds.</summary>
    internal static string Legend(string init, int runs) => $"{init} (n={runs})";
}

/// <summary>The file names of a comparison's curve plots.</summary>
/// <param name="Primary">The primary metric by round.</param>
/// <param name="Loss">The training loss by round.</param>
/// <param name="Minutes">Accuracy against cumulative minutes, or null where the runs record no time.</param>
public sealed record CurvePlots(string Primary, string Loss, string? Minutes);
