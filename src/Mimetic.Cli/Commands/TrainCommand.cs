using System.ComponentModel;
using Mimetic.Training;
using Mimetic.Vision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic train</c>.</summary>
public sealed class TrainSettings : TrainingSettings, IRunOptions
{
    /// <inheritdoc />
    [CommandOption("-s|--seed <SEED>")]
    [ConfigDefault<TrainingConfig>(nameof(TrainingConfig.Seed))]
    public long Seed { get; init; }

    /// <inheritdoc />
    [CommandOption("-o|--out <DIR>")]
    [Description("run directory (default: runs/<dataset>-<model>-<init>-seed<seed>)")]
    public string? Out { get; init; }

    /// <inheritdoc />
    [CommandOption("--resume <DIR>")]
    [Description("continue a stopped run from its directory, with its saved config (--epochs may extend it)")]
    public string? ResumeFrom { get; init; }

    /// <summary>Stop early, resumably.</summary>
    [CommandOption("--until-epoch <N>")]
    [Description("stop (resumably) after epoch N; continue later with --resume")]
    public int? UntilEpoch { get; init; }

    /// <inheritdoc />
    /// <remarks>With <c>--resume</c> the saved config is validated when it is read; only the length given here is checked.</remarks>
    public override ValidationResult Validate() => UntilEpoch is < 1 ? ValidationResult.Error($"--until-epoch must be at least 1, not {UntilEpoch}")
        : ResumeFrom is null ? base.Validate()
        : Epochs >= 1 ? ValidationResult.Success() : ValidationResult.Error("--epochs must be at least 1");
}

/// <summary><c>mimetic train</c>: one image-classification run (the run pipeline of <see cref="RunCommand{TSettings, TConfig, TMetrics}"/>).</summary>
public sealed class TrainCommand(IAnsiConsole console) : RunCommand<TrainSettings, TrainingConfig, EpochMetrics>(console)
{
    /// <inheritdoc />
    protected override string UntilOption => "until-epoch";

    /// <inheritdoc />
    protected override TrainingConfig NewConfig(TrainSettings settings) => settings.ToConfig(settings.Init, settings.Seed);

    /// <inheritdoc />
    protected override string DefaultDirectory(TrainSettings settings, TrainingConfig config) =>
        Path.Combine("runs", $"{DatasetPart(config.Dataset)}-{config.Model}-{config.Init}-seed{config.Seed}");

    // A folder dataset's run is named after the folder ("folder-flowers"), not its path.
    private static string DatasetPart(string dataset) => Data.ImageFolderDataset.IsFolder(dataset)
        ? "folder-" + Path.GetFileName(Path.TrimEndingDirectorySeparator(Data.ImageFolderDataset.PathOf(dataset)))
        : dataset;

    /// <inheritdoc />
    protected override (TrainingConfig, Func<ITrainingTask<EpochMetrics>>) Prepare(TrainSettings settings, TrainingConfig config)
    {
        var (loaded, data) = DataLoading.Load(Console, config, settings.Data);
        return (loaded, () => new VisionTask(loaded, data));
    }

    /// <inheritdoc />
    protected override long? UntilStep(TrainSettings settings, ITrainingTask<EpochMetrics> task) =>
        settings.UntilEpoch is { } epoch ? task.RoundEnd(Math.Max(0, epoch - 1)) : null;
}
