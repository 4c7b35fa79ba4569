using System.Globalization;
using System.Text;

namespace Mimetic.Reports;

/// <summary>
/// Writes a comparison's Markdown report and PNG plots from run directories alone, so any report
/// can be regenerated from saved runs (<c>mimetic report DIR</c>).
/// </summary>
public static class ComparisonReport
{
    /// <summary>File name of the Markdown report.</summary>
    public const string ReportFile = "report.md";

    /// <summary>File name of the test-accuracy plot.</summary>
    public const string AccuracyPlot = "test-accuracy.png";

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
    public static ComparisonSummary Write(string root, string title, string? command = null)
    {
        var summary = ComparisonSummary.From(FindRuns(root));
        var options = new LinePlotOptions { IntegerX = true };
        LinePlot.Save(Path.Combine(root, AccuracyPlot), "Test accuracy", "epoch", "test accuracy (%)",
            summary.Inits.Select(i => Series.OverSeeds(Legend(i.Init, i.Runs.Count), Xs(i), i.TestAccuracy, 100)), options);
        LinePlot.Save(Path.Combine(root, LossPlot), "Training loss", "epoch", "training loss (label-smoothed)",
            summary.Inits.Select(i => Series.OverSeeds(Legend(i.Init, i.Runs.Count), Xs(i), i.TrainLoss)), options);
        File.WriteAllText(Path.Combine(root, ReportFile), Markdown(summary, title, command));
        return summary;
    }

    /// <summary>The results table as Markdown.</summary>
    public static string Table(ComparisonSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| init | seeds | final test acc. (%) | best test acc. (%) | final train loss | epochs to {100 * summary.Target:F1}% | seconds to {100 * summary.Target:F1}% |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var init in summary.Inits)
        {
            var epochs = init.EpochsToTarget is { } e ? e.ToString(CultureInfo.InvariantCulture) : "not reached";
            var seconds = init.SecondsToTarget is { } s ? s.ToString("F0", CultureInfo.InvariantCulture) : "—";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {init.Init} | {init.Runs.Count} | {Percent(init.FinalTestAccuracy)} | {Percent(init.BestTestAccuracy)} | {init.FinalTrainLoss.Mean:F3} ± {init.FinalTrainLoss.Std:F3} | {epochs} | {seconds} |");
        }

        return text.ToString();
    }

    private static string Markdown(ComparisonSummary summary, string title, string? command)
    {
        var runs = new StringBuilder();
        runs.AppendLine("| init | seed | final test acc. (%) | best test acc. (%) | epochs | seconds |");
        runs.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var run in summary.Inits.SelectMany(i => i.Runs))
        {
            runs.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Init} | {run.Seed} | {100 * run.Metrics[^1].TestAccuracy:F2} | {100 * run.Metrics.Max(m => m.TestAccuracy):F2} | {run.Metrics.Count} | {run.Metrics.Sum(m => m.Seconds):F0} |");
        }

        return Markdown(title, command,
            $"Mean ± sample standard deviation over seeds. The target is the `{summary.Baseline}` runs' mean final test accuracy;\n" +
            "'epochs to' is the first epoch at which an init's mean test-accuracy curve reaches it.",
            Table(summary), [("test accuracy", AccuracyPlot), ("training loss", LossPlot)], runs.ToString());
    }

    /// <summary>The layout every comparison report shares: heading, command, explanation, results table, plots, and one row per run.</summary>
    internal static string Markdown(string title, string? command, string explanation, string table, IEnumerable<(string Alt, string File)> plots, string runs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {title}");
        text.AppendLine();
        if (command is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Produced by `{command}`; regenerate this report from the saved runs with `mimetic report <this directory>`.");
            text.AppendLine();
        }

        text.AppendLine(explanation);
        text.AppendLine();
        text.Append(table);
        foreach (var (alt, file) in plots)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"![{alt}]({file})");
        }

        text.AppendLine();
        text.AppendLine("## Runs");
        text.AppendLine();
        text.Append(runs);
        return text.ToString();
    }

    /// <summary>A curve's legend: the init and its number of seeds.</summary>
    internal static string Legend(string init, int runs) => $"{init} (n={runs})";

    private static double[] Xs(InitSummary init) => init.Epochs.Select(e => (double)e).ToArray();

    private static string Percent(MeanStd value) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * value.Mean:F2} ± {100 * value.Std:F2}");
}
