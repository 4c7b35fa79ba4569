using System.Globalization;
using Mimetic.Language;
using Mimetic.Training;
using Spectre.Console;

namespace Mimetic.Cli;

/// <summary>
/// Shows a run's progress: a live bar (loss, accuracy or tokens/s, ETA) and one line per epoch
/// (vision) or evaluation (language models).
/// </summary>
public sealed class ConsoleTrainingObserver(IAnsiConsole console, ProgressContext? progress, string label) : ILanguageTrainingObserver
{
    private ProgressTask? task;
    private int totalEpochs;

    /// <inheritdoc />
    public void RunStarted(TrainingConfig config, string runDirectory, int startEpoch, int totalEpochs, int batchesPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(config);
        this.totalEpochs = totalEpochs;
        console.MarkupLine($"[bold]{Markup.Escape(label)}[/]: {Markup.Escape(config.Model)} on {Markup.Escape(config.Dataset)}, init {Markup.Escape(config.Init)}, seed {config.Seed} → {Markup.Escape(runDirectory)}");
        StartTask((double)totalEpochs * batchesPerEpoch, (double)startEpoch * batchesPerEpoch);
    }

    /// <inheritdoc />
    public void StepFinished(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (task is null)
        {
            return;
        }

        task.Value = (double)(report.Epoch - 1) * report.BatchesPerEpoch + report.Batch;
        task.Description = string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(label)} epoch {report.Epoch}/{totalEpochs} loss {report.Loss:F3} acc {100 * report.Accuracy:F1}% {report.ImagesPerSecond:F0} img/s");
    }

    /// <inheritdoc />
    public void EpochFinished(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"  {Markup.Escape(label)} epoch {metrics.Epoch,3}/{totalEpochs}: train loss {metrics.TrainLoss:F3} acc {100 * metrics.TrainAccuracy:F1}% | " +
            $"test loss {metrics.TestLoss:F3} [bold]acc {100 * metrics.TestAccuracy:F2}%[/] | {metrics.ImagesPerSecond:F0} img/s, {metrics.Seconds:F0} s"));
    }

    /// <inheritdoc />
    public void LanguageRunStarted(LanguageTrainingConfig config, string runDirectory, long startStep)
    {
        ArgumentNullException.ThrowIfNull(config);
        console.MarkupLine($"[bold]{Markup.Escape(label)}[/]: {Markup.Escape(config.Model)} on {Markup.Escape(Path.GetFileName(config.Text))} ({Markup.Escape(config.Tokenizer)}{(config.Position == "learned" ? "" : $", {Markup.Escape(config.Position)} positions")}), " +
                           $"init {Markup.Escape(config.Init)}, seed {config.Seed}, {config.Steps} steps → {Markup.Escape(runDirectory)}");
        StartTask(config.Steps, startStep);
    }

    /// <inheritdoc />
    public void LanguageStepFinished(LanguageStepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (task is null)
        {
            return;
        }

        task.Value = report.Step;
        task.Description = string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(label)} step {report.Step}/{report.TotalSteps} loss {report.Loss:F3} {report.TokensPerSecond:F0} tok/s");
    }

    /// <inheritdoc />
    public void EvaluationFinished(LanguageMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"  {Markup.Escape(label)} step {metrics.Step,6}: train loss {metrics.TrainLoss:F3} | val loss {metrics.ValLoss:F4} " +
            $"[bold]{metrics.BitsPerCharacter:F3} bits/char[/] ppl {metrics.Perplexity:F2} | {metrics.TokensPerSecond:F0} tok/s, {metrics.Seconds:F0} s"));
    }

    /// <inheritdoc />
    public void Note(string message) => console.MarkupLine($"  [grey]{Markup.Escape(message)}[/]");

    private void StartTask(double total, double done)
    {
        if (progress is not null)
        {
            task = progress.AddTask(Markup.Escape(label), maxValue: total);
            task.Value = done;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> under a live progress display when the console is interactive,
    /// and without one (epoch lines only) when output goes to a file or a pipe.
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
