using System.Globalization;
using System.Text;
using Mimetic.Training;

namespace Mimetic.Reports;

/// <summary>
/// Writes a language-model comparison's Markdown report and PNG plots from run directories alone
/// (<c>mimetic report DIR</c> regenerates it), in the shape of <see cref="ComparisonReport"/>.
/// </summary>
public static class LanguageComparisonReport
{
    /// <summary>File name of the validation-loss plot.</summary>
    public const string ValidationLossPlot = "val-loss.png";

    /// <summary>Whether the runs below <paramref name="root"/> are language-model runs (they hold a tokenizer).</summary>
    public static bool Holds(string root) =>
        ComparisonReport.FindRunDirectories(root).Any(d => File.Exists(new RunFiles(d).TokenizerPath));

    /// <summary>Every language-model run below <paramref name="root"/>.</summary>
    public static IReadOnlyList<LanguageRunRecord> FindRuns(string root) =>
        ComparisonReport.FindRunDirectories(root).Select(LanguageRunRecord.Read).ToList();

    /// <summary>Summarises the runs below <paramref name="root"/> and writes report and plots there.</summary>
    /// <param name="root">The comparison directory.</param>
    /// <param name="title">Report heading.</param>
    /// <param name="command">The command that produced the runs, quoted in the report.</param>
    /// <returns>The summary the report shows.</returns>
    public static LanguageComparisonSummary Write(string root, string title, string? command = null)
    {
        var summary = LanguageComparisonSummary.From(FindRuns(root));
        CurvePlot.Save(Path.Combine(root, ValidationLossPlot), "Validation loss", "step", "validation loss (nats per token)",
            summary.Inits.Select(i => Curve.OverSeeds(ComparisonReport.Legend(i.Init, i.Runs.Count), Xs(i), i.ValLoss)), falling: true);
        CurvePlot.Save(Path.Combine(root, ComparisonReport.LossPlot), "Training loss", "step", "training loss (nats per token)",
            summary.Inits.Select(i => Curve.OverSeeds(ComparisonReport.Legend(i.Init, i.Runs.Count), Xs(i), i.TrainLoss)), falling: true);
        File.WriteAllText(Path.Combine(root, ComparisonReport.ReportFile), Markdown(summary, title, command));
        return summary;
    }

    /// <summary>The results table as Markdown.</summary>
    public static string Table(LanguageComparisonSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var perToken = ShowsBitsPerToken(summary);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| init | seeds | final val. loss | best val. loss | perplexity | bits/char{(perToken ? " | bits/token" : "")} | final train loss | steps to {summary.Target:F3} | seconds to {summary.Target:F3} |");
        text.AppendLine($"|---|---:|---:|---:|---:|---:{(perToken ? "|---:" : "")}|---:|---:|---:|");
        foreach (var init in summary.Inits)
        {
            var steps = init.StepsToTarget is { } s ? s.ToString(CultureInfo.InvariantCulture) : "not reached";
            var seconds = init.SecondsToTarget is { } t ? t.ToString("F0", CultureInfo.InvariantCulture) : "—";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {init.Init} | {init.Runs.Count} | {F(init.FinalValLoss)} | {F(init.BestValLoss)} | {F(init.FinalPerplexity, "F2")} | {F(init.FinalBitsPerCharacter)}" +
                $"{(perToken ? " | " + F(init.FinalBitsPerToken) : "")} | {F(init.FinalTrainLoss)} | {steps} | {seconds} |");
        }

        return text.ToString();
    }

    private static string Markdown(LanguageComparisonSummary summary, string title, string? command)
    {
        var runs = new StringBuilder();
        runs.AppendLine("| init | seed | final val. loss | best val. loss | bits/char | steps | seconds |");
        runs.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var run in summary.Inits.SelectMany(i => i.Runs))
        {
            var last = run.Metrics[^1];
            runs.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Init} | {run.Seed} | {last.ValLoss:F4} | {run.Metrics.Min(m => m.ValLoss):F4} | {last.BitsPerCharacter:F4} | {last.Step} | {run.Metrics.Sum(m => m.Seconds):F0} |");
        }

        return ComparisonReport.Markdown(title, command,
            $"Mean ± sample standard deviation over seeds; losses in nats per token, lower is better. The target is the `{summary.Baseline}` runs' mean final\n" +
            "validation loss; 'steps to' is the first evaluation at which an init's mean validation-loss curve reaches it.",
            Table(summary), [("validation loss", ValidationLossPlot), ("training loss", ComparisonReport.LossPlot)], runs.ToString());
    }

    private static bool ShowsBitsPerToken(LanguageComparisonSummary summary) =>
        summary.Inits.Any(i => Math.Abs(i.FinalBitsPerToken.Mean - i.FinalBitsPerCharacter.Mean) > 1e-9);

    private static List<double> Xs(LanguageInitSummary init) => init.Steps.Select(s => (double)s).ToList();

    private static string F(MeanStd value, string format = "F4") =>
        $"{value.Mean.ToString(format, CultureInfo.InvariantCulture)} ± {value.Std.ToString(format, CultureInfo.InvariantCulture)}";
}
