using System.ComponentModel;
using Mimetic.Studies;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic study</c>.</summary>
public sealed class StudySettings : CommandSettings
{
    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (Slurm is not null && !Plan)
        {
            return ValidationResult.Error("--slurm writes the plan as a Slurm job array: give --plan with it");
        }

        if (SlurmMemory is { } memory && (Slurm is null || !SlurmScripts.IsMemory(memory)))
        {
            return ValidationResult.Error(Slurm is null
                ? "--slurm-mem is the memory of each Slurm array task: give --plan --slurm DIR with it"
                : $"--slurm-mem must be a size sbatch --mem takes (a whole number, optionally K, M, G or T: 4G, 1500M), not '{memory}'");
        }

        if (Slurm is { Length: 0 })
        {
            return ValidationResult.Error("--slurm needs a folder for the scripts, not \"\"");
        }

        return Device is null ? ValidationResult.Success() : DeviceOption.Validate(Device);
    }

    /// <summary>The study file.</summary>
    [CommandArgument(0, "<FILE>")]
    [Description("a study file (JSON: base options, axes, main axis; see experiments/)")]
    public string File { get; init; } = "";

    /// <summary>Print the commands instead of running them.</summary>
    [CommandOption("--plan")]
    [Description("print one self-contained command per run that has not completed, one per line (for GNU parallel, Kubernetes Jobs; --slurm DIR writes a Slurm job array instead; docs/cluster.md), and train nothing")]
    public bool Plan { get; init; }

    /// <summary>Where the Slurm scripts go (with <see cref="Plan"/>).</summary>
    [CommandOption("--slurm <DIR>")]
    [Description("with --plan: write the plan as a Slurm job array instead of printing it: DIR/array.sbatch (one task per missing run, --cpus-per-task = the runs' --threads), DIR/report.sbatch (the --report step) and DIR/submit.sh, which submits the array and then the report to run after it")]
    public string? Slurm { get; init; }

    /// <summary>Memory per Slurm array task.</summary>
    [CommandOption("--slurm-mem <SIZE>")]
    [Description("with --slurm: memory per array task, as sbatch --mem takes it (default 4G)")]
    public string? SlurmMemory { get; init; }

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
        if (settings.Slurm is { } slurm)
        {
            return WriteSlurm(study, distinct, settings, slurm);
        }

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

    private int WriteSlurm(StudyDefinition study, IReadOnlyList<StudyRun> distinct, StudySettings settings, string directory)
    {
        var missing = distinct.Where(r => !StudyRunner.IsCompleted(r.Directory)).ToList();
        if (missing.Count == 0)
        {
            console.Profile.Out.Writer.WriteLine($"nothing to submit: all {distinct.Count} runs of {study.Name} have completed (mimetic study {settings.File} --report writes the report)");
            return 0;
        }

        var scripts = SlurmScripts.Create(study, missing, new SlurmOptions(settings.Launcher, settings.File, settings.Runs, settings.Out,
            Directory.GetCurrentDirectory(), settings.SlurmMemory ?? "4G"));
        scripts.Write(directory);
        var writer = console.Profile.Out.Writer;   // raw: paths are never wrapped
        writer.WriteLine($"wrote {Path.Combine(directory, SlurmScripts.ArrayFile)} ({scripts.Tasks} array tasks, one per missing run of {distinct.Count}), "
            + $"{Path.Combine(directory, SlurmScripts.ReportFile)} and {Path.Combine(directory, SlurmScripts.SubmitFile)}");
        writer.WriteLine($"submit: bash {Path.Combine(directory, SlurmScripts.SubmitFile)} [sbatch options, e.g. --partition=NAME]");
        return 0;
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
