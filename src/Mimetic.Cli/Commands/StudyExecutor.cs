using Mimetic.Reports;
using Mimetic.Studies;
using Spectre.Console;

namespace Mimetic.Cli.Commands;

/// <summary>
/// How the command line trains a study (<see cref="StudyRunner"/>): each run in this process, exactly as its
/// <c>--plan</c> command line would; and how it renders what happened.
/// </summary>
public static class StudyExecutor
{
    /// <summary>Runs every distinct run of <paramref name="runs"/> that has not completed.</summary>
    public static StudyOutcome Run(IAnsiConsole console, IReadOnlyList<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(console);
        return StudyRunner.Run(runs, (run, index, count) =>
        {
            console.MarkupLine($"[bold]run {index}/{count}[/]: {Markup.Escape(run.ToString())}");
            return MimeticApp.Run([run.Command, .. run.Arguments], console) switch
            {
                0 => RunEnd.Completed,
                StopSignals.Interrupted or StopSignals.Terminated => RunEnd.Stopped,
                _ => RunEnd.Failed,
            };
        });
    }

    /// <summary>The line a stopped or partly failed study ends with, and its exit code.</summary>
    public static int Finish(IAnsiConsole console, StudyOutcome outcome, int missing)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(outcome);
        console.MarkupLine($"[grey]{outcome.Trained} runs trained, {outcome.Skipped} already complete, {outcome.Failed} did not complete, {missing} missing from the report[/]");
        return outcome.Stopped ? StopSignals.Interrupted : outcome.Failed > 0 ? ErrorReport.Failure : 0;
    }

    /// <summary>The comparison table for the terminal, for any model kind.</summary>
    public static Table SummaryTable(ComparisonSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var schema = summary.Schema;
        var table = new Table().AddColumns("init", "seeds", $"final {schema.Primary.Label}", $"best {schema.Primary.Label}", "final train loss",
            $"{schema.XLabel}s to {schema.Primary.Show(summary.Target)}");
        foreach (var init in summary.Inits)
        {
            table.AddRow(Markup.Escape(init.Init), init.Runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                schema.Primary.Show(init.Final), schema.Primary.Show(init.Best), MetricSchema.TrainLoss.Show(init.FinalTrainLoss),
                init.ToTarget is { } x ? schema.X.Show(x) : "not reached");
        }

        return table;
    }
}
