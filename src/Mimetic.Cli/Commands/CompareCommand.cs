using System.ComponentModel;
using Mimetic.Reports;
using Mimetic.Studies;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>The options of a comparison command besides its kind's training options.</summary>
public interface ICompareOptions
{
    /// <summary>Comma-separated initializations.</summary>
    string Inits { get; }

    /// <summary>Comma-separated seeds.</summary>
    string Seeds { get; }

    /// <summary>The comparison directory (null: the kind's default).</summary>
    string? Out { get; }
}

/// <summary>Settings of <c>mimetic compare</c>.</summary>
public sealed class CompareSettings : TrainingSettings, ICompareOptions
{
    /// <inheritdoc />
    [CommandOption("--inits <LIST>")]
    [Description("comma-separated initializations")]
    [DefaultValue("default,mimetic")]
    public string Inits { get; init; } = null!;

    /// <inheritdoc />
    [CommandOption("--seeds <LIST>")]
    [Description("comma-separated seeds")]
    [DefaultValue("0,1,2")]
    public string Seeds { get; init; } = null!;

    /// <inheritdoc />
    [CommandOption("-o|--out <DIR>")]
    [Description("comparison directory: one run directory per init and seed, plus report.md and plots (default: runs/compare-<dataset>-<model>)")]
    public string? Out { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() => ComparisonLists.Validate(Inits, Seeds) is { Successful: false } lists ? lists : base.Validate();
}

/// <summary><c>mimetic compare</c>: image-classification inits × seeds (see <see cref="ComparisonCommand{TSettings}"/>).</summary>
public sealed class CompareCommand(IAnsiConsole console) : ComparisonCommand<CompareSettings>(console)
{
    /// <inheritdoc />
    protected override string Kind => TrainingTasks.Vision;

    /// <inheritdoc />
    protected override string DefaultRoot(CompareSettings settings) => Path.Combine("runs", $"compare-{settings.Dataset}-{settings.Model}");

    /// <inheritdoc />
    protected override string Title(CompareSettings settings) => $"Mimetic vs. default initialization: {settings.Model} on {settings.Dataset}";
}

/// <summary>
/// A comparison command of any model kind: inits × seeds with everything else equal, trained as a two-axis study
/// (<see cref="StudyRunner.Comparison"/>) into <c>OUT/&lt;init&gt;-seed&lt;seed&gt;</c>, then the comparison report.
/// </summary>
/// <typeparam name="TSettings">The command's options.</typeparam>
public abstract class ComparisonCommand<TSettings>(IAnsiConsole console) : Command<TSettings>
    where TSettings : CommandSettings, ICompareOptions
{
    /// <summary>The model kind (<see cref="TrainingTasks"/>).</summary>
    protected abstract string Kind { get; }

    /// <summary>Where the comparison goes when <c>--out</c> is not given.</summary>
    protected abstract string DefaultRoot(TSettings settings);

    /// <summary>The report's title.</summary>
    protected abstract string Title(TSettings settings);

    /// <inheritdoc />
    public sealed override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var root = settings.Out ?? DefaultRoot(settings);
        var given = OptionArguments.Given<TSettings>(OptionArguments.Own(context.Arguments, context.Name), "inits", "seeds", "out", "init", "seed");
        var inits = ComparisonLists.Inits(settings.Inits);
        var seeds = ComparisonLists.Seeds(settings.Seeds);
        var title = Title(settings);
        var runs = StudyGrid.Expand(StudyRunner.Comparison(Kind, title, given, inits, seeds), root, nameByAllOptions: false);
        console.MarkupLine($"comparing {Markup.Escape(string.Join(", ", inits))} over seeds {string.Join(", ", seeds)}: {runs.Count} runs → {Markup.Escape(root)}");
        var outcome = StudyExecutor.Run(console, runs);
        var records = runs.Where(r => File.Exists(Path.Combine(r.Directory, "config.json"))).Select(r => RunRecord.Read(r.Directory)).ToList();
        if (records.All(r => r.Rows.Count == 0))
        {
            console.MarkupLine("[yellow]no run has finished a round yet: no report[/]");
            return StudyExecutor.Finish(console, outcome, runs.Count);
        }

        var summary = ComparisonReport.Write(root, records, title, "mimetic " + string.Join(' ', context.Arguments));
        console.WriteLine();
        console.Write(StudyExecutor.SummaryTable(summary));
        console.MarkupLine($"report: [green]{Markup.Escape(Path.Combine(root, ComparisonReport.ReportFile))}[/]");
        return StudyExecutor.Finish(console, outcome, runs.Count(r => !StudyRunner.IsCompleted(r.Directory)));
    }
}
