using System.ComponentModel;
using Mimetic.Init;
using Mimetic.Reports;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic compare</c>.</summary>
public sealed class CompareSettings : TrainingSettings
{
    /// <summary>Initializations to compare.</summary>
    [CommandOption("--inits <LIST>")]
    [Description("comma-separated initializations")]
    [DefaultValue("default,mimetic")]
    public string Inits { get; init; } = "default,mimetic";

    /// <summary>Seeds.</summary>
    [CommandOption("--seeds <LIST>")]
    [Description("comma-separated seeds")]
    [DefaultValue("0,1,2")]
    public string Seeds { get; init; } = "0,1,2";

    /// <summary>Output directory.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("comparison directory: one run directory per init and seed, plus report.md and plots (default: runs/compare-<dataset>-<model>)")]
    public string? Out { get; init; }

    /// <summary>Parsed initialization names.</summary>
    public IReadOnlyList<string> InitList => ComparisonLists.Inits(Inits);

    /// <summary>Parsed seeds.</summary>
    public IReadOnlyList<long> SeedList => ComparisonLists.Seeds(Seeds);

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var lists = ComparisonLists.Validate(Inits, Seeds);
        if (!lists.Successful)
        {
            return lists;
        }

        return base.Validate();
    }
}

/// <summary><c>mimetic compare</c>: inits × seeds with everything else equal, then a report.</summary>
public sealed class CompareCommand(IAnsiConsole console) : Command<CompareSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, CompareSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var root = settings.Out ?? Path.Combine("runs", $"compare-{settings.Dataset}-{settings.Model}");
        var runs = (from seed in settings.SeedList from init in settings.InitList select (init, seed)).ToList();
        using var ctrlC = new CancelOnCtrlC(console);
        var data = DataLoading.Load(console, settings.Dataset, settings.Data);
        console.MarkupLine($"comparing {string.Join(", ", settings.InitList)} over seeds {string.Join(", ", settings.SeedList)}: {runs.Count} runs → {Markup.Escape(root)}");

        var stopped = ConsoleTrainingObserver.WithProgress(console, progress =>
        {
            foreach (var (init, seed) in runs)
            {
                var config = settings.ToConfig(init, seed);
                var directory = Path.Combine(root, $"{init}-seed{seed}");
                using var experiment = Experiment.Create(config, data);
                var observer = new ConsoleTrainingObserver(console, progress, $"{init} seed {seed}");
                var result = new Trainer(config, experiment.ModelConfig, experiment.Train, experiment.Test, directory, observer).Run(cancellation: ctrlC.Token);
                if (result.State == RunState.Stopped)
                {
                    return true;
                }
            }

            return false;
        });

        var command = "mimetic " + string.Join(' ', context.Arguments);
        var summary = ComparisonReport.Write(root, $"Mimetic vs. default initialization: {settings.Model} on {settings.Dataset}", command);
        console.WriteLine();
        console.Write(SummaryTable(summary));
        console.MarkupLine($"report: [green]{Markup.Escape(Path.Combine(root, ComparisonReport.ReportFile))}[/]");
        return stopped ? 130 : 0;
    }

    /// <summary>The comparison table for the terminal.</summary>
    internal static Table SummaryTable(ComparisonSummary summary)
    {
        var table = new Table().AddColumns("init", "seeds", "final test acc. %", "best test acc. %", "final train loss", $"epochs to {100 * summary.Target:F1}%");
        foreach (var init in summary.Inits)
        {
            table.AddRow(init.Init, init.Runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{100 * init.FinalTestAccuracy.Mean:F2} ± {100 * init.FinalTestAccuracy.Std:F2}",
                $"{100 * init.BestTestAccuracy.Mean:F2} ± {100 * init.BestTestAccuracy.Std:F2}",
                $"{init.FinalTrainLoss.Mean:F3} ± {init.FinalTrainLoss.Std:F3}",
                init.EpochsToTarget?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not reached");
        }

        return table;
    }
}
