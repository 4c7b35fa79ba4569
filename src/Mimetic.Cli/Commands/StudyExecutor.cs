using Mimetic.Reports;
using Mimetic.Studies;
using Mimetic.Training;
using Spectre.Console;

namespace Mimetic.Cli.Commands;

/// <summary>
/// Trains a study's runs in this process, one after another, each exactly as its <c>--plan</c> command line would:
/// completed runs are skipped, unfinished ones resume, a run another process holds is left to it.
/// </summary>
public static class StudyExecutor
{
    /// <summary>What running the grid did.</summary>
    /// <param name="Trained">Runs trained (or resumed) to completion now.</param>
    /// <param name="Skipped">Runs already complete.</param>
    /// <param name="Failed">Runs that ended otherwise (diverged, failed, held by another process).</param>
    /// <param name="Stopped">Whether the user stopped the study (Ctrl-C or a signal).</param>
    public sealed record Outcome(int Trained, int Skipped, int Failed, bool Stopped);

    /// <summary>Runs every distinct run of <paramref name="runs"/> that has not completed.</summary>
    public static Outcome Run(IAnsiConsole console, IReadOnlyList<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(console);
        var distinct = StudyGrid.Distinct(runs);
        int trained = 0, skipped = 0, failed = 0;
        foreach (var (run, index) in distinct.Select((r, i) => (r, i + 1)))
        {
            if (IsCompleted(run.Directory))
            {
                skipped++;
                continue;
            }

            console.MarkupLine($"[bold]run {index}/{distinct.Count}[/]: {Markup.Escape(run.ToString())}");
            var exit = MimeticApp.Run([run.Command, .. run.Arguments], console);
            if (exit == 130 || exit == 143)
            {
                return new Outcome(trained, skipped, failed, Stopped: true);
            }

            if (exit == 0)
            {
                trained++;
            }
            else
            {
                failed++;
            }
        }

        return new Outcome(trained, skipped, failed, Stopped: false);
    }

    /// <summary>Whether the run directory holds a completed run.</summary>
    public static bool IsCompleted(string directory) =>
        File.Exists(Path.Combine(directory, "config.json")) && new RunFiles(directory).ReadStatus()?.State == RunState.Completed;

    /// <summary>The line a stopped or partly failed study ends with, and its exit code.</summary>
    public static int Finish(IAnsiConsole console, Outcome outcome, int missing)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(outcome);
        console.MarkupLine($"[grey]{outcome.Trained} runs trained, {outcome.Skipped} already complete, {outcome.Failed} did not complete, {missing} missing from the report[/]");
        return outcome.Stopped ? 130 : outcome.Failed > 0 ? ErrorReport.Failure : 0;
    }

    /// <summary>The command's own arguments (after the command name) from the full argument list.</summary>
    public static IReadOnlyList<string> OwnArguments(IReadOnlyList<string> all, string command)
    {
        ArgumentNullException.ThrowIfNull(all);
        var at = all.ToList().IndexOf(command);
        return at < 0 ? all : all.Skip(at + 1).ToList();
    }

    /// <summary>The comparison table for the terminal, for any model kind.</summary>
    public static Spectre.Console.Table SummaryTable(ComparisonSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var schema = summary.Schema;
        var table = new Spectre.Console.Table().AddColumns("init", "seeds", $"final {schema.Primary.Label}", $"best {schema.Primary.Label}", "final train loss",
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
