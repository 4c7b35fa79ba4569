using System.ComponentModel;
using System.Globalization;
using Mimetic.Studies;
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

/// <summary>
/// <c>mimetic compare</c>: inits × seeds with everything else equal, then a report — the two-axis study, run by
/// the study mechanism (<see cref="StudyExecutor"/>) with the run directories <c>OUT/&lt;init&gt;-seed&lt;seed&gt;</c>.
/// </summary>
public sealed class CompareCommand(IAnsiConsole console) : Command<CompareSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, CompareSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var root = settings.Out ?? Path.Combine("runs", $"compare-{settings.Dataset}-{settings.Model}");
        var given = OptionArguments.Given<CompareSettings>(StudyExecutor.OwnArguments(context.Arguments, context.Name), "inits", "seeds", "out", "init", "seed");
        return Comparison.Run(console, context, TrainingTasks.Vision, given, settings.InitList, settings.SeedList, root,
            $"Mimetic vs. default initialization: {settings.Model} on {settings.Dataset}");
    }
}

/// <summary>A comparison of inits × seeds for any model kind: a study with two axes, then the comparison report.</summary>
public static class Comparison
{
    /// <summary>Trains the grid (skipping completed runs, resuming others) and writes the report to <paramref name="root"/>.</summary>
    public static int Run(IAnsiConsole console, CommandContext context, string kind, Dictionary<string, string?> given,
        IReadOnlyList<string> inits, IReadOnlyList<long> seeds, string root, string title)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(inits);
        ArgumentNullException.ThrowIfNull(seeds);
        var study = new StudyDefinition("compare", title, kind, "", given,
            [
                new StudyAxis(StudyDefinition.SeedOption, seeds.Select(s => Value(StudyDefinition.SeedOption, s.ToString(CultureInfo.InvariantCulture))).ToList()),
                new StudyAxis(StudyDefinition.InitOption, inits.Select(i => Value(StudyDefinition.InitOption, i)).ToList()),
            ],
            StudyDefinition.InitOption);
        var runs = StudyGrid.Expand(study, root, nameByAllOptions: false);
        console.MarkupLine($"comparing {Markup.Escape(string.Join(", ", inits))} over seeds {string.Join(", ", seeds)}: {runs.Count} runs → {Markup.Escape(root)}");
        var outcome = StudyExecutor.Run(console, runs);
        var records = runs.Where(r => File.Exists(Path.Combine(r.Directory, "config.json"))).Select(r => RunRecord.Read(r.Directory)).ToList();
        if (records.All(r => r.Rows.Count == 0))
        {
            console.MarkupLine("[yellow]no run has finished a round yet: no report[/]");
            return StudyExecutor.Finish(console, outcome, runs.Count);
        }

        var command = "mimetic " + string.Join(' ', context.Arguments);
        var summary = ComparisonReport.Write(root, records, title, command);
        console.WriteLine();
        console.Write(StudyExecutor.SummaryTable(summary));
        console.MarkupLine($"report: [green]{Markup.Escape(Path.Combine(root, ComparisonReport.ReportFile))}[/]");
        return StudyExecutor.Finish(console, outcome, runs.Count(r => !StudyExecutor.IsCompleted(r.Directory)));
    }

    private static AxisValue Value(string option, string value) => new(value, new Dictionary<string, string?> { [option] = value });
}
