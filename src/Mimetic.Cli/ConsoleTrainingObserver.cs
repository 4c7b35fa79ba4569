using System.Globalization;
using Mimetic.Language;
using Mimetic.Training;
using Mimetic.Vision;
using Spectre.Console;

namespace Mimetic.Cli;

/// <summary>
/// Shows a run's progress, for any model kind: a live bar over the run's steps (loss, accuracy where counted,
/// throughput, ETA) and one line per round (epoch or evaluation).
/// </summary>
public sealed class ConsoleTrainingObserver(IAnsiConsole console, ProgressContext? progress, string label) : ITrainingObserver
{
    private ProgressTask? task;
    private string roundName = "round";
    private int rounds;

    /// <inheritdoc />
    public void RunStarted(RunStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        (roundName, rounds) = (start.RoundName, start.Rounds);
        var config = start.Config;
        var data = config switch
        {
            TrainingConfig vision => vision.Dataset,
            LanguageTrainingConfig language => $"{Path.GetFileName(language.Text)} ({language.Tokenizer}{(language.Position == "learned" ? "" : $", {language.Position} positions")})",
            _ => config.Task,
        };
        console.MarkupLine($"[bold]{Markup.Escape(label)}[/]: {Markup.Escape(config.Model)} on {Markup.Escape(data)}, init {Markup.Escape(config.Init)}, seed {config.Seed}, " +
                           $"{start.TotalSteps:N0} steps on {Markup.Escape(config.Device)} → {Markup.Escape(start.Directory)}");
        if (progress is not null)
        {
            task = progress.AddTask(Markup.Escape(label), maxValue: start.TotalSteps);
            task.Value = start.StartStep;
        }
    }

    /// <inheritdoc />
    public void StepFinished(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (task is null)
        {
            return;
        }

        task.Value = report.Step;
        var accuracy = report.Accuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $" acc {100 * a:F1}%") : "";
        task.Description = string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(label)} {roundName} {report.Round}/{report.Rounds} loss {report.Loss:F3}{accuracy} {report.SamplesPerSecond:F0}/s");
    }

    /// <inheritdoc />
    public void RoundFinished(IRoundMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"  {Markup.Escape(label)} {roundName} {metrics.Round,3}/{rounds}: {Markup.Escape(metrics.Describe())}"));
    }

    /// <inheritdoc />
    public void Note(string message) => console.MarkupLine($"  [grey]{Markup.Escape(message)}[/]");

    /// <summary>
    /// Runs <paramref name="work"/> under a live progress display when the console is interactive,
    /// and without one (round lines only) when output goes to a file or a pipe.
    /// </summary>
    public static T WithProgress<T>(IAnsiConsole console, Func<ProgressContext?, T> work)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(work);
        if (!console.Profile.Capabilities.Interactive)
        {
            return work(null);
        }

        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => work(context));
    }
}
