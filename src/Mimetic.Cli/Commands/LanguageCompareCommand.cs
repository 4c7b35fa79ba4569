using System.ComponentModel;
using System.Globalization;
using Mimetic.Language;
using Mimetic.Reports;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic lm-compare</c>.</summary>
public sealed class LanguageCompareSettings : LanguageTrainingSettings
{
    /// <summary>Initializations to compare.</summary>
    [CommandOption("--inits <LIST>")]
    [Description("comma-separated initializations")]
    [DefaultValue("default,mimetic,mimetic+,mimetic-qk,mimetic-vo")]
    public string Inits { get; init; } = "default,mimetic,mimetic+,mimetic-qk,mimetic-vo";

    /// <summary>Seeds.</summary>
    [CommandOption("--seeds <LIST>")]
    [Description("comma-separated seeds")]
    [DefaultValue("0,1")]
    public string Seeds { get; init; } = "0,1";

    /// <summary>Output directory.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("comparison directory: one run directory per init and seed, plus report.md and plots (default: runs/lm-compare-[brown-]<model>-<tokenizer>[-sincos])")]
    public string? Out { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var lists = ComparisonLists.Validate(Inits, Seeds);
        return lists.Successful ? base.Validate() : lists;
    }
}

/// <summary><c>mimetic lm-compare</c>: language-model inits × seeds with everything else equal, then a report.</summary>
public sealed class LanguageCompareCommand(IAnsiConsole console) : Command<LanguageCompareSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, LanguageCompareSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var root = settings.Out ?? Path.Combine("runs", $"lm-compare-{settings.RunLabel}");
        var inits = ComparisonLists.Inits(settings.Inits);
        var seeds = ComparisonLists.Seeds(settings.Seeds);
        var runs = (from seed in seeds from init in inits select (init, seed)).ToList();
        using var ctrlC = new CancelOnCtrlC(console);
        var corpus = settings.LoadCorpus(console);
        console.MarkupLine($"comparing {Markup.Escape(string.Join(", ", inits))} over seeds {string.Join(", ", seeds)}: {runs.Count} runs → {Markup.Escape(root)}");

        var state = ConsoleTrainingObserver.WithProgress(console, progress =>
        {
            foreach (var (init, seed) in runs)
            {
                var observer = new ConsoleTrainingObserver(console, progress, $"{init} seed {seed}");
                var trainer = new LanguageTrainer(settings.ToConfig(init, seed, corpus), corpus, Path.Combine(root, $"{init}-seed{seed}"), observer);
                var result = trainer.Run(cancellation: ctrlC.Token);
                if (result.State == RunState.Stopped)
                {
                    return RunState.Stopped;
                }
            }

            return RunState.Completed;
        });

        var command = "mimetic " + string.Join(' ', context.Arguments);
        var summary = LanguageComparisonReport.Write(root, $"Mimetic vs. default initialization: {settings.Model} on {Path.GetFileName(corpus.TextPath)} ({settings.Tokenizer} tokens{(settings.Position == "learned" ? "" : ", " + settings.Position + " positions")})", command);
        console.WriteLine();
        console.Write(SummaryTable(summary));
        console.MarkupLine($"report: [green]{Markup.Escape(Path.Combine(root, ComparisonReport.ReportFile))}[/]");
        return LanguageTrainCommand.ExitCode(state);
    }

    /// <summary>The comparison table for the terminal.</summary>
    internal static Table SummaryTable(LanguageComparisonSummary summary)
    {
        var table = new Table().AddColumns("init", "seeds", "final val. loss", "best val. loss", "perplexity", "bits/char", $"steps to {summary.Target:F3}");
        foreach (var init in summary.Inits)
        {
            table.AddRow(init.Init, init.Runs.Count.ToString(CultureInfo.InvariantCulture),
                $"{init.FinalValLoss.Mean:F4} ± {init.FinalValLoss.Std:F4}",
                $"{init.BestValLoss.Mean:F4} ± {init.BestValLoss.Std:F4}",
                $"{init.FinalPerplexity.Mean:F2} ± {init.FinalPerplexity.Std:F2}",
                $"{init.FinalBitsPerCharacter.Mean:F4} ± {init.FinalBitsPerCharacter.Std:F4}",
                init.StepsToTarget?.ToString(CultureInfo.InvariantCulture) ?? "not reached");
        }

        return table;
    }
}
