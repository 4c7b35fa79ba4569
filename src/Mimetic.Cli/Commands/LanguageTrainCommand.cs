using System.ComponentModel;
using Mimetic.Language;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic lm-train</c>.</summary>
public sealed class LanguageTrainSettings : LanguageTrainingSettings, IRunOptions
{
    /// <inheritdoc />
    [CommandOption("-s|--seed <SEED>")]
    [ConfigDefault<LanguageTrainingConfig>(nameof(LanguageTrainingConfig.Seed))]
    public long Seed { get; init; }

    /// <inheritdoc />
    [CommandOption("-o|--out <DIR>")]
    [Description("run directory (default: runs/lm-[[brown-]]<model>-<tokenizer>[[-sincos]]-<init>-seed<seed>)")]
    public string? Out { get; init; }

    /// <inheritdoc />
    [CommandOption("--resume <DIR>")]
    [Description("continue a stopped run from its directory, with its saved config (--steps may extend it)")]
    public string? ResumeFrom { get; init; }

    /// <summary>Stop early, resumably.</summary>
    [CommandOption("--until-step <N>")]
    [Description("stop (resumably, with a checkpoint) after step N; continue later with --resume")]
    public long? UntilStep { get; init; }

    /// <inheritdoc />
    /// <remarks>With <c>--resume</c> the saved config is validated when it is read; only the length given here is checked.</remarks>
    public override ValidationResult Validate() => UntilStep is < 1 ? ValidationResult.Error($"--until-step must be at least 1, not {UntilStep}")
        : ResumeFrom is null ? base.Validate()
        : Steps >= 1 ? ValidationResult.Success() : ValidationResult.Error("--steps must be at least 1");
}

/// <summary><c>mimetic lm-train</c>: one language-model run (the run pipeline of <see cref="RunCommand{TSettings, TConfig, TMetrics}"/>).</summary>
public sealed class LanguageTrainCommand(IAnsiConsole console) : RunCommand<LanguageTrainSettings, LanguageTrainingConfig, LanguageMetrics>(console)
{
    /// <inheritdoc />
    protected override string UntilOption => "until-step";

    /// <inheritdoc />
    protected override LanguageTrainingConfig NewConfig(LanguageTrainSettings settings) => settings.ToConfig(settings.Init, settings.Seed);

    /// <inheritdoc />
    protected override string DefaultDirectory(LanguageTrainSettings settings, LanguageTrainingConfig config) =>
        Path.Combine("runs", $"lm-{settings.RunLabel}-{config.Init}-seed{config.Seed}");

    /// <inheritdoc />
    /// <remarks>A new run records the text it read (its full path and SHA-256); a resumed one keeps what it recorded, so a changed file is refused.</remarks>
    protected override (LanguageTrainingConfig, Func<ITrainingTask<LanguageMetrics>>) Prepare(LanguageTrainSettings settings, LanguageTrainingConfig config)
    {
        var corpus = LanguageTrainingSettings.LoadCorpus(Console, config, settings.Data);
        var recorded = settings.ResumeFrom is null ? config with { Text = corpus.TextPath, TextSha256 = corpus.Sha256 } : config;
        return (recorded, () => new LanguageTask(recorded, corpus));
    }

    /// <inheritdoc />
    protected override long? UntilStep(LanguageTrainSettings settings, ITrainingTask<LanguageMetrics> task) => settings.UntilStep;
}
