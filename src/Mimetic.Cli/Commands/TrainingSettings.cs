using System.ComponentModel;
using Mimetic.Data;
using Mimetic.Models;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Options shared by <c>train</c> and <c>compare</c>: data, model and optimisation.</summary>
public class TrainingSettings : OptimizerSettings
{
    /// <summary>Dataset.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("cifar10 | cifar100 | fashion-mnist")]
    [DefaultValue("cifar10")]
    public string Dataset { get; init; } = "cifar10";

    /// <summary>Where the dataset archive is.</summary>
    [CommandOption("--data <DIR>")]
    [Description("folder searched first for the dataset (must exist; then $MIMETIC_DATA, ../shared/data, the user cache, then download)")]
    public string? Data { get; init; }

    /// <summary>Model preset.</summary>
    [CommandOption("-m|--model <PRESET>")]
    [Description("model preset (see 'mimetic presets')")]
    [DefaultValue("vit-cpu")]
    public string Model { get; init; } = "vit-cpu";

    /// <summary>Position embedding override.</summary>
    [CommandOption("--pos <KIND>")]
    [Description("position embedding: learned | sincos (default: the preset's)")]
    public string? Position { get; init; }

    /// <summary>Epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [DefaultValue(10)]
    public int Epochs { get; init; } = 10;

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = 128;

    /// <summary>Final learning rate.</summary>
    [CommandOption("--min-lr <LR>")]
    [DefaultValue(1e-5)]
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>Warm-up epochs.</summary>
    [CommandOption("--warmup <EPOCHS>")]
    [DefaultValue(1.0)]
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(0.05)]
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Label smoothing.</summary>
    [CommandOption("--label-smoothing <S>")]
    [DefaultValue(0.1)]
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Training subset size.</summary>
    [CommandOption("--train-size <N>")]
    [Description("train on a class-balanced subset of N images (small data is the paper's regime)")]
    public int? TrainSize { get; init; }

    /// <summary>Test subset size.</summary>
    [CommandOption("--test-size <N>")]
    [Description("evaluate on a class-balanced subset of N test images")]
    public int? TestSize { get; init; }

    /// <summary>Turn augmentation off.</summary>
    [CommandOption("--no-augment")]
    [Description("no random crop and flip")]
    public bool NoAugment { get; init; }

    /// <summary>RandAugment.</summary>
    [CommandOption("--randaugment")]
    [Description("add a RandAugment-style policy to crop and flip")]
    public bool RandAugment { get; init; }

    /// <summary>The config for one run.</summary>
    public TrainingConfig ToConfig(string init, long seed) => new()
    {
        Dataset = Dataset,
        Model = Model,
        Position = ParsePosition(Position),
        Init = init,
        Mimetic = ToMimeticOptions(),
        Seed = seed,
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        MinLearningRate = MinLearningRate,
        WarmupEpochs = WarmupEpochs,
        WeightDecay = WeightDecay,
        LabelSmoothing = LabelSmoothing,
        GradientClip = GradientClip,
        TrainSize = TrainSize,
        TestSize = TestSize,
        RandomCrop = !NoAugment,
        HorizontalFlip = !NoAugment,
        RandAugment = RandAugment,
        Threads = Threads,
        Device = ResolvedDevice,
    };

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var baseResult = base.Validate();
        if (!baseResult.Successful)
        {
            return baseResult;
        }

        try
        {
            ToConfig(Init, 0).Validate();
            var info = DatasetCatalog.GetInfo(Dataset);
            var model = VisionPresets.Get(Model, info.Height, info.Channels, info.ClassCount);
            StepMemory.RequireBatchFits(BatchSize, model.Tokens, StepMemory.PerImageBytes(model), Model);
        }
        catch (Exception e) when (e is ArgumentException or DataException)
        {
            return ValidationResult.Error(e.Message.Split(" (Parameter", 2)[0]);
        }

        return ValidationResult.Success();
    }

    private static PositionEmbedding? ParsePosition(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "learned" => PositionEmbedding.Learned,
        "sincos" or "sincos2d" or "sin-cos" => PositionEmbedding.SinCos2D,
        _ => throw new ArgumentException($"Unknown --pos '{value}': use learned or sincos."),
    };
}
