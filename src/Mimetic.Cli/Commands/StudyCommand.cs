using System.ComponentModel;
using Mimetic.Studies;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic study</c>.</summary>
public sealed class StudySettings : CommandSettings
{
    /// <inheritdoc />
    public override ValidationResult Validate() => Device is null ? ValidationResult.Success() : DeviceOption.Validate(Device);

    /// <summary>The study file.</summary>
    [CommandArgument(0, "<FILE>")]
    [Description("a study file (JSON: base options, axes, main axis; see experiments/)")]
    public string File { get; init; } = "";

    /// <summary>Print the commands instead of running them.</summary>
    [CommandOption("--plan")]
    [Description("print one self-contained command per run that has not completed, one per line (for GNU parallel, a Slurm array, Kubernetes Jobs), and train nothing")]
    public bool Plan { get; init; }

    /// <summary>Only gather finished runs and write the report.</summary>
    [CommandOption("--report")]
    [Description("train nothing: gather the runs that have finished, write the report and list what is missing")]
    public bool ReportOnly { get; init; }

    /// <summary>Where run directories live.</summary>
    [CommandOption("--runs <DIR>")]
    [Description("where the run directories live, shared by all studies (their config, status and metrics are committed; weights are not)")]
    [DefaultValue("experiments/runs")]
    public string Runs { get; init; } = "experiments/runs";

    /// <summary>Where the report goes.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("report folder (default: runs/studies/<study name>)")]
    public string? Out { get; init; }

    /// <summary>Where the runs train.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description(DeviceOption.Description + "; given to every run, not part of its identity (a run may resume on another device)")]
    public string? Device { get; init; }

    /// <summary>What the plan's commands start with.</summary>
    [CommandOption("--launcher <CMD>")]
    [Description("what each planned command starts with")]
    [DefaultValue("mimetic")]
    public string Launcher { get; init; } = "mimetic";
}

/// <summary>
/// <c>mimetic study FILE</c>: runs every cell of a study's grid (skipping completed runs, resuming unfinished ones,
/// leaving runs another process holds to it), then writes its report; <c>--plan</c> prints the runs as commands
/// for an outside job runner; <c>--report</c> only gathers.
/// </summary>
public sealed class StudyCommand(IAnsiConsole console) : Command<StudySettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, StudySettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var study = StudyDefinition.Load(settings.File);
        StudyOptionCheck.Check(study, settings.File, settings.Runs, settings.Out);
        var runs = StudyGrid.Expand(study, settings.Runs);
        if (settings.Device is { } device)
        {
            runs = runs.Select(r => r with { Arguments = [.. r.Arguments, "--device", device] }).ToList();
        }

        var distinct = StudyGrid.Distinct(runs);
        if (settings.Plan)
        {
            foreach (var run in distinct.Where(r => !StudyRunner.IsCompleted(r.Directory)))
            {
                console.Profile.Out.Writer.WriteLine(run.CommandLine(settings.Launcher));   // raw: never wrapped
            }

            return 0;
        }

        var outcome = StudyOutcome.None;
        if (!settings.ReportOnly)
        {
            console.MarkupLine($"study [bold]{Markup.Escape(study.Name)}[/]: {distinct.Count} runs ({runs.Count} cells) → {Markup.Escape(settings.Runs)}");
            outcome = StudyExecutor.Run(console, runs);
        }

        var result = StudyResult.Gather(study, runs);
        var directory = settings.Out ?? Path.Combine("runs", "studies", study.Name);
        result.Write(directory, $"mimetic study {settings.File}");
        console.Write(GainTable(result));
        console.MarkupLine($"report: [green]{Markup.Escape(Path.Combine(directory, "report.md"))}[/] ({result.Completed} of {distinct.Count} runs completed)");
        return settings.ReportOnly ? 0 : StudyExecutor.Finish(console, outcome, result.Missing.Count);
    }

    private static Table GainTable(StudyResult result)
    {
        var table = new Table().AddColumns("setting", "init", "n", "final", "gain over default");
        foreach (var setting in result.Settings.Where(s => s.Summary is not null))
        {
            var schema = setting.Summary!.Schema;
            foreach (var init in setting.Summary.Inits)
            {
                var gain = setting.GainOf(init.Init);
                table.AddRow(Markup.Escape(string.Join(", ", setting.Setting.Select(s => $"{s.Key}={s.Value}"))), Markup.Escape(init.Init),
                    init.Runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), schema.Primary.Show(init.Final),
                    gain is null ? "—" : $"{gain.Gain.Mean:+0.00;-0.00} ± {gain.Gain.Std:0.00}");
            }
        }

        return table;
    }
}
