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
    [Description("run directory (default: runs/lm-[[brown-]]<model>-<tokenizer>[[-sincos]]-<init>-seed<seed>)")]
    public string? Out { get; init; }

    /// <summary>Resume a run.</summary>
    [CommandOption("--resume <DIR>")]
    [Description("continue a stopped run from its directory, with its saved config (--steps may extend it)")]
    public string? Resume { get; init; }

    /// <summary>Stop early, resumably.</summary>
    [CommandOption("--until-step <N>")]
    [Description("stop (resumably, with a checkpoint) after step N; continue later with --resume")]
    public long? UntilStep { get; init; }

    /// <inheritdoc />
    /// <remarks>With <c>--resume</c> the saved config is validated when it is read; only the length given here is checked.</remarks>
    public override ValidationResult Validate() => Resume is null ? base.Validate()
        : Steps >= 1 ? ValidationResult.Success() : ValidationResult.Error("--steps must be at least 1");
}

/// <summary><c>mimetic lm-train</c>: one language-model run.</summary>
public sealed class LanguageTrainCommand(IAnsiConsole console) : Command<LanguageTrainSettings>
{
    private static readonly string[] ResumeMayChange = ["resume", "steps", "threads", "device", "until-step", "data"];

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
            var given = TrainCommand.Resumed(context, resume, OptionArguments.Given<LanguageTrainSettings>(StudyExecutor.OwnArguments(context.Arguments, context.Name)), ResumeMayChange);
            var saved = new RunFiles(resume).ReadConfig<LanguageTrainingConfig>();
            config = saved with
            {
                Steps = given.ContainsKey("steps") ? settings.Steps : saved.Steps,
                Threads = given.ContainsKey("threads") ? settings.Threads : saved.Threads,
                Device = given.ContainsKey("device") ? settings.ResolvedDevice : saved.Device,
            };
            TrainCommand.NoteApplied(console, given, "steps", "threads", "device");
            corpus = LanguageTrainingSettings.LoadCorpus(console, config, settings.Data);
            directory = resume;
        }
        else
        {
            corpus = settings.LoadCorpus(console);
            config = settings.ToConfig(settings.Init, settings.Seed, corpus);
            directory = settings.Out ?? Path.Combine("runs", $"lm-{settings.RunLabel}-{config.Init}-seed{config.Seed}");
        }

        using var signals = new StopSignals(console);
        var result = ConsoleTrainingObserver.WithProgress(console, progress =>
        {
            using var task = new LanguageTask(config, corpus);
            return new TrainingLoop<LanguageMetrics>(task, directory, new ConsoleTrainingObserver(console, progress, config.Init))
                .Run(settings.UntilStep, mustResume: settings.Resume is not null, signals.Token);
        });
        return TrainCommand.ExitCode(result.State, signals);
    }
}
