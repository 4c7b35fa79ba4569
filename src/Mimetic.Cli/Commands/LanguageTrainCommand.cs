using System.ComponentModel;
using Mimetic.Language;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic lm-train</c>.</summary>
public sealed class LanguageTrainSettings : LanguageTrainingSettings
{
    /// <summary>Seed.</summary>
    [CommandOption("-s|--seed <SEED>")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>Run directory.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("run directory (default: runs/lm-[brown-]<model>-<tokenizer>[-sincos]-<init>-seed<seed>)")]
    public string? Out { get; init; }

    /// <summary>Resume a run.</summary>
    [CommandOption("--resume <DIR>")]
    [Description("continue a stopped run from its directory, with its saved config (--steps may extend it)")]
    public string? Resume { get; init; }

    /// <summary>Stop early, resumably.</summary>
    [CommandOption("--until-step <N>")]
    [Description("stop (resumably, with a checkpoint) after step N; continue later with --resume")]
    public long? UntilStep { get; init; }
}

/// <summary><c>mimetic lm-train</c>: one language-model run.</summary>
public sealed class LanguageTrainCommand(IAnsiConsole console) : Command<LanguageTrainSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, LanguageTrainSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        LanguageTrainingConfig config;
        LanguageCorpus corpus;
        string directory;
        if (settings.Resume is { } resume)
        {
            var files = new RunFiles(resume);
            if (!files.Exists)
            {
                throw new ArgumentException($"{resume} is not a run directory (no config.json).");
            }

            var saved = files.ReadConfig<LanguageTrainingConfig>();
            config = context.Arguments.Contains("--steps") ? saved with { Steps = settings.Steps } : saved;
            corpus = LanguageTrainingSettings.LoadCorpus(console, config, settings.Data);
            directory = resume;
        }
        else
        {
            corpus = settings.LoadCorpus(console);
            config = settings.ToConfig(settings.Init, settings.Seed, corpus);
            directory = settings.Out ?? Path.Combine("runs", $"lm-{settings.RunLabel}-{config.Init}-seed{config.Seed}");
        }

        using var ctrlC = new CancelOnCtrlC(console);
        var result = ConsoleTrainingObserver.WithProgress(console, progress =>
            new LanguageTrainer(config, corpus, directory, new ConsoleTrainingObserver(console, progress, config.Init)).Run(settings.UntilStep, ctrlC.Token));
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
