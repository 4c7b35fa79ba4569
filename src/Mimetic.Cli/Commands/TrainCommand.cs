using System.ComponentModel;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic train</c>.</summary>
public sealed class TrainSettings : TrainingSettings
{
    /// <summary>Seed.</summary>
    [CommandOption("-s|--seed <SEED>")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>Run directory.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("run directory (default: runs/<dataset>-<model>-<init>-seed<seed>)")]
    public string? Out { get; init; }

    /// <summary>Resume a run.</summary>
    [CommandOption("--resume <DIR>")]
    [Description("continue a stopped run from its directory, with its saved config (--epochs may extend it)")]
    public string? Resume { get; init; }

    /// <summary>Stop early, resumably.</summary>
    [CommandOption("--until-epoch <N>")]
    [Description("stop (resumably) after epoch N; continue later with --resume")]
    public int? UntilEpoch { get; init; }

    /// <inheritdoc />
    /// <remarks>With <c>--resume</c> the saved config is validated when it is read; only the length given here is checked.</remarks>
    public override ValidationResult Validate() => Resume is null ? base.Validate()
        : Epochs >= 1 ? ValidationResult.Success() : ValidationResult.Error("--epochs must be at least 1");
}

/// <summary><c>mimetic train</c>: one training run.</summary>
public sealed class TrainCommand(IAnsiConsole console) : Command<TrainSettings>
{
    /// <summary>Options <c>--resume</c> may take besides the run directory: they change the run's length, its speed or where data is found, not its result.</summary>
    internal static readonly string[] ResumeMayChange = ["resume", "epochs", "threads", "device", "until-epoch", "data"];

    /// <inheritdoc />
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        TrainingConfig config;
        string directory;
        if (settings.Resume is { } resume)
        {
            var given = Resumed(context, resume, OptionArguments.Given<TrainSettings>(StudyExecutor.OwnArguments(context.Arguments, context.Name)), ResumeMayChange);
            var saved = new RunFiles(resume).ReadConfig<TrainingConfig>();
            config = saved with
            {
                Epochs = given.ContainsKey("epochs") ? settings.Epochs : saved.Epochs,
                Threads = given.ContainsKey("threads") ? settings.Threads : saved.Threads,
                Device = given.ContainsKey("device") ? settings.ResolvedDevice : saved.Device,
            };
            NoteApplied(console, given, "epochs", "threads", "device");
            directory = resume;
        }
        else
        {
            config = settings.ToConfig(settings.Init, settings.Seed);
            directory = settings.Out ?? Path.Combine("runs", $"{config.Dataset}-{config.Model}-{config.Init}-seed{config.Seed}");
        }

        using var signals = new StopSignals(console);
        var data = DataLoading.Load(console, config.Dataset, settings.Data);
        var result = ConsoleTrainingObserver.WithProgress(console, progress =>
        {
            using var task = new VisionTask(config, data);
            var observer = new ConsoleTrainingObserver(console, progress, config.Init);
            long? untilStep = settings.UntilEpoch is { } epoch ? task.RoundEnd(Math.Max(0, epoch - 1)) : null;
            return new TrainingLoop<EpochMetrics>(task, directory, observer).Run(untilStep, mustResume: settings.Resume is not null, signals.Token);
        });

        return ExitCode(result.State, signals);
    }

    /// <summary>0 for a completed run, 130 (Ctrl-C, or stopped as asked) or 143 (SIGTERM) for a stopped one, 1 otherwise.</summary>
    internal static int ExitCode(RunState state, StopSignals signals) => state switch
    {
        RunState.Completed => 0,
        RunState.Stopped => signals.Token.IsCancellationRequested ? signals.StoppedExitCode : StopSignals.Interrupted,
        _ => ErrorReport.Failure,
    };

    /// <summary>
    /// The options given with <c>--resume</c>: the run directory must hold a run, and nothing that would change its
    /// result may be given (it would be ignored, and the user's experiment silently another).
    /// </summary>
    /// <exception cref="ArgumentException">Not a run directory, or options that conflict with resuming.</exception>
    internal static Dictionary<string, string?> Resumed(CommandContext context, string resume, Dictionary<string, string?> given, string[] mayChange)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!File.Exists(Path.Combine(resume, "config.json")))
        {
            throw new ArgumentException($"{resume} is not a run directory (no config.json).");
        }

        var conflicting = given.Keys.Where(k => !mayChange.Contains(k)).Select(k => "--" + k).ToList();
        if (conflicting.Count > 0)
        {
            throw new ArgumentException(
                $"--resume continues {resume} with its saved config; {string.Join(", ", conflicting)} would change it (only {string.Join(", ", mayChange.Where(m => m != "resume").Select(m => "--" + m))} may be given). Start a new run with --out instead.");
        }

        return given;
    }

    /// <summary>Says which of the resumable options were applied.</summary>
    internal static void NoteApplied(IAnsiConsole console, Dictionary<string, string?> given, params string[] options)
    {
        var applied = options.Where(given.ContainsKey).Select(o => $"--{o} {given[o]}").ToList();
        if (applied.Count > 0)
        {
            console.MarkupLine($"[grey]resuming with {Markup.Escape(string.Join(", ", applied))} applied[/]");
        }
    }
}
