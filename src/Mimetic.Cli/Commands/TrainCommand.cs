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
}

/// <summary><c>mimetic train</c>: one training run.</summary>
public sealed class TrainCommand(IAnsiConsole console) : Command<TrainSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TrainingConfig config;
        string directory;
        if (settings.Resume is { } resume)
        {
            var files = new RunFiles(resume);
            if (!files.Exists)
            {
                throw new ArgumentException($"{resume} is not a run directory (no config.json).");
            }

            var saved = files.ReadConfig<TrainingConfig>();
            var epochsGiven = context.Arguments.Any(a => a is "-e" or "--epochs" || a.StartsWith("--epochs=", StringComparison.Ordinal));
            config = epochsGiven ? saved with { Epochs = settings.Epochs } : saved;
            directory = resume;
        }
        else
        {
            config = settings.ToConfig(settings.Init, settings.Seed);
            directory = settings.Out ?? Path.Combine("runs", $"{config.Dataset}-{config.Model}-{config.Init}-seed{config.Seed}");
        }

        using var ctrlC = new CancelOnCtrlC(console);
        var data = DataLoading.Load(console, config.Dataset, settings.Data);
        var result = ConsoleTrainingObserver.WithProgress(console, progress =>
        {
            using var task = new VisionTask(config, data);
            var observer = new ConsoleTrainingObserver(console, progress, config.Init);
            long? untilStep = settings.UntilEpoch is { } epoch ? task.RoundEnd(Math.Max(0, epoch - 1)) : null;
            return new TrainingLoop<EpochMetrics>(task, directory, observer).Run(untilStep, ctrlC.Token);
        });

        return ExitCode(result.State);
    }

    /// <summary>0 for a completed run, 130 for a stopped one, 1 otherwise.</summary>
    internal static int ExitCode(RunState state) => state switch
    {
        RunState.Completed => 0,
        RunState.Stopped => 130,
        _ => ErrorReport.Failure,
    };
}
