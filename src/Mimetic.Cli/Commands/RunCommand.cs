using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>The options every run command takes besides its config: seed, run directory, resume and data folder.</summary>
public interface IRunOptions
{
    /// <summary>The seed of a new run.</summary>
    long Seed { get; }

    /// <summary>The run directory of a new run (null: the kind's default).</summary>
    string? Out { get; }

    /// <summary>The run directory to continue.</summary>
    string? ResumeFrom { get; }

    /// <summary>The folder searched first for the data.</summary>
    string? Data { get; }
}

/// <summary>
/// The one run pipeline of the command line: seed, run directory, resume (with the config's resume rule, see
/// <see cref="RunConfig.ResumableOptions"/>), stop signals, progress and exit code. A model kind supplies only its
/// config, its default directory, its data and task, and where an early stop falls.
/// </summary>
/// <typeparam name="TSettings">The command's options.</typeparam>
/// <typeparam name="TConfig">The kind's run config.</typeparam>
/// <typeparam name="TMetrics">One line of the kind's metrics.</typeparam>
public abstract class RunCommand<TSettings, TConfig, TMetrics>(IAnsiConsole console) : Command<TSettings>
    where TSettings : CommandSettings, IRunOptions
    where TConfig : RunConfig
    where TMetrics : IRoundMetrics
{
    /// <summary>The console the command writes to.</summary>
    protected IAnsiConsole Console { get; } = console;

    /// <summary>The option that stops a run early, resumably (<c>until-epoch</c> or <c>until-step</c>).</summary>
    protected abstract string UntilOption { get; }

    /// <summary>The config of a new run from the options given.</summary>
    protected abstract TConfig NewConfig(TSettings settings);

    /// <summary>Where a new run goes when <c>--out</c> is not given.</summary>
    protected abstract string DefaultDirectory(TSettings settings, TConfig config);

    /// <summary>
    /// Loads the run's data (printing a summary); returns the config, completed from the data where a new run records
    /// what it read, and a factory of the run's task.
    /// </summary>
    protected abstract (TConfig Config, Func<ITrainingTask<TMetrics>> CreateTask) Prepare(TSettings settings, TConfig config);

    /// <summary>The step after which the run stops as asked, or null to train to the end.</summary>
    protected abstract long? UntilStep(TSettings settings, ITrainingTask<TMetrics> task);

    /// <inheritdoc />
    public sealed override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var requested = NewConfig(settings);
        TConfig config;
        string directory;
        if (settings.ResumeFrom is { } resume)
        {
            var given = Resumed(context, resume, requested);
            config = (TConfig)new RunFiles(resume).ReadConfig<TConfig>().Resumed(requested, given.ContainsKey);
            var applied = requested.ResumableOptions.Where(given.ContainsKey).Select(o => $"--{o} {given[o]}").ToList();
            if (applied.Count > 0)
            {
                Console.MarkupLine($"[grey]resuming with {Markup.Escape(string.Join(", ", applied))} applied[/]");
            }

            directory = resume;
        }
        else
        {
            config = requested;
            directory = settings.Out ?? DefaultDirectory(settings, config);
        }

        using var signals = new StopSignals(Console);
        (config, var createTask) = Prepare(settings, config);
        var result = ConsoleTrainingObserver.WithProgress(Console, progress =>
        {
            using var task = createTask();
            var observer = new ConsoleTrainingObserver(Console, progress, config.Init);
            return new TrainingLoop<TMetrics>(task, directory, observer).Run(UntilStep(settings, task), mustResume: settings.ResumeFrom is not null, signals.Token);
        });
        return ExitCode(result.State, signals);
    }

    /// <summary>
    /// 0 for a completed run, 130 (Ctrl-C, or stopped as asked) or 143 (SIGTERM) for a stopped one, 1 otherwise. A signal
    /// that came while the run was finishing still gives its code: the process was asked to stop, whatever the run's state.
    /// </summary>
    internal static int ExitCode(RunState state, StopSignals signals) => state switch
    {
        RunState.Completed when signals.Token.IsCancellationRequested => signals.StoppedExitCode,
        RunState.Completed => 0,
        RunState.Stopped => signals.Token.IsCancellationRequested ? signals.StoppedExitCode : StopSignals.Interrupted,
        _ => ErrorReport.Failure,
    };

    /// <summary>
    /// The options given with <c>--resume</c>: the run directory must hold a run, and nothing that would change its
    /// result may be given (it would be ignored, and the user's experiment silently another).
    /// </summary>
    /// <exception cref="ArgumentException">Not a run directory, or options that conflict with resuming.</exception>
    private Dictionary<string, string?> Resumed(CommandContext context, string resume, TConfig requested)
    {
        if (!File.Exists(Path.Combine(resume, "config.json")))
        {
            throw new ArgumentException($"{resume} is not a run directory (no config.json).");
        }

        string[] mayChange = ["resume", .. requested.ResumableOptions, UntilOption, "data"];
        var given = OptionArguments.Given<TSettings>(OptionArguments.Own(context.Arguments, context.Name));
        var conflicting = given.Keys.Where(k => !mayChange.Contains(k)).Select(k => "--" + k).ToList();
        if (conflicting.Count > 0)
        {
            throw new ArgumentException(
                $"--resume continues {resume} with its saved config; {string.Join(", ", conflicting)} would change it (only {string.Join(", ", mayChange.Where(m => m != "resume").Select(m => "--" + m))} may be given). Start a new run with --out instead.");
        }

        return given;
    }
}
