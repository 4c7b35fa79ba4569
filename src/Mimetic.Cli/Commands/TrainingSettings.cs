using System.ComponentModel;
using Mimetic.Data;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Vision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Options shared by <c>train</c> and <c>compare</c>: data, model and optimisation.</summary>
public class TrainingSettings : OptimizerSettings
{
    /// <inheritdoc />
    [CommandOption("--init <NAME>")]
    [Description(InitDescription)]
    [ConfigDefault<TrainingConfig>(nameof(TrainingConfig.Init))]
    public override string Init { get; init; } = null!;

    /// <summary>Dataset.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("cifar10 | cifar100 | fashion-mnist | folder:PATH (one subfolder of images per class)")]
    [ConfigDefault<TrainingConfig>("Dataset")]
    public string Dataset { get; init; } = null!;

    /// <summary>Where the dataset archive is.</summary>
    [CommandOption("--data <DIR>")]
    [Description("folder searched first for the dataset (must exist; then $MIMETIC_DATA, ../shared/data, the user cache, then download)")]
    public string? Data { get; init; }

    /// <summary>Model preset.</summary>
    [CommandOption("-m|--model <PRESET>")]
    [Description("model preset (see 'mimetic presets')")]
    [ConfigDefault<TrainingConfig>("Model")]
    public string Model { get; init; } = null!;

    /// <summary>Position embedding override.</summary>
    [CommandOption("--pos <KIND>")]
    [Description("position embedding: learned | sincos (default: the preset's)")]
    public string? Position { get; init; }

    /// <summary>Epochs.</summary>
    [CommandOption("-e|--epochs <N>")]
    [ConfigDefault<TrainingConfig>("Epochs")]
    public int Epochs { get; init; }

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [ConfigDefault<TrainingConfig>("BatchSize")]
    public int BatchSize { get; init; }

    /// <summary>Final learning rate.</summary>
    [CommandOption("--min-lr <LR>")]
    [ConfigDefault<TrainingConfig>("MinLearningRate")]
    public double MinLearningRate { get; init; }

    /// <summary>Warm-up epochs.</summary>
    [CommandOption("--warmup <EPOCHS>")]
    [ConfigDefault<TrainingConfig>("WarmupEpochs")]
    public double WarmupEpochs { get; init; }

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [ConfigDefault<TrainingConfig>("WeightDecay")]
    public double WeightDecay { get; init; }

    /// <summary>Label smoothing.</summary>
    [CommandOption("--label-smoothing <S>")]
    [ConfigDefault<TrainingConfig>("LabelSmoothing")]
    public double LabelSmoothing { get; init; }

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

    /// <summary>Held-out training images.</summary>
    [CommandOption("--holdout <N>")]
    [Description("hold out N class-balanced training images (always the same ones) and evaluate on them instead of the test split: for choosing a recipe without the test images")]
    public int? Holdout { get; init; }

    /// <summary>Test-time flip averaging.</summary>
    [CommandOption("--test-flip")]
    [Description("evaluate each image and its mirror image and average the logits")]
    public bool TestFlip { get; init; }

    /// <summary>Token drop.</summary>
    [CommandOption("--token-drop <F>")]
    [Description("drop this fraction of each training image's patch tokens at random (a cheaper step); 0: keep all")]
    [ConfigDefault<TrainingConfig>("TokenDrop")]
    public double TokenDrop { get; init; }

    /// <summary>Final token drop.</summary>
    [CommandOption("--token-drop-end <F>")]
    [Description("the dropped fraction at the end: it falls (or rises) linearly from --token-drop to this over the run's steps, so early steps are cheap and late ones see whole images (default: --token-drop throughout)")]
    public double? TokenDropEnd { get; init; }

    /// <summary>Width override.</summary>
    [CommandOption("--width <D>")]
    [Description("model width (default: the preset's)")]
    public int? Width { get; init; }

    /// <summary>Depth override.</summary>
    [CommandOption("--depth <N>")]
    [Description("number of blocks (default: the preset's)")]
    public int? Depth { get; init; }

    /// <summary>Heads override.</summary>
    [CommandOption("--heads <N>")]
    [Description("attention heads per block (default: the preset's)")]
    public int? Heads { get; init; }

    /// <summary>Patch size override.</summary>
    [CommandOption("--patch-size <P>")]
    [Description("patch side in pixels (default: the preset's)")]
    public int? PatchSize { get; init; }

    /// <summary>MLP ratio override.</summary>
    [CommandOption("--mlp-ratio <R>")]
    [Description("MLP hidden width as a multiple of the width (default: the preset's)")]
    public double? MlpRatio { get; init; }

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
        Schedule = Schedule,
        EmaDecay = EmaDecay,
        Holdout = Holdout,
        TestFlip = TestFlip,
        TokenDrop = TokenDrop,
        TokenDropEnd = TokenDropEnd,
        Shape = new ShapeOverrides(Width, Depth, Heads, PatchSize, MlpRatio) is { IsEmpty: false } shape ? shape : null,
        Threads = Threads,
        Replicas = Replicas,
        Device = ResolvedDevice,
        ImageSize = ImageSize,
        ValFraction = ValFraction,
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
            var config = ToConfig(Init, 0);
            config.Validate();
            var (side, channels, classes) = VisionData.Shape(Dataset, ImageSize);
            var model = config.ModelShape(side, channels, classes);
            model.Validate();
            StepMemory.RequireBatchFits(BatchSize, model.Tokens, StepMemory.PerImageBytes(model), Model);
        }
        catch (Exception e) when (e is ArgumentException or DataException)
        {
            return ValidationResult.Error(e.Message.Split(" (Parameter", 2)[0]);
        }

        return ValidationResult.Success();
    }

    // Image-folder datasets (--dataset folder:PATH).

    /// <summary>A folder dataset's image side.</summary>
    [CommandOption("--image-size <N>")]
    [Description("folder datasets: resize the shorter side to N and crop the centre N×N (default 32)")]
    public int? ImageSize { get; init; }

    /// <summary>A folder dataset's held-out share.</summary>
    [CommandOption("--val-fraction <F>")]
    [Description("folder datasets without train/ and val/ subfolders: hold out this share of each class, seeded (default 0.1)")]
    public double? ValFraction { get; init; }

    private static PositionEmbedding? ParsePosition(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "learned" => PositionEmbedding.Learned,
        "sincos" or "sincos2d" or "sin-cos" => PositionEmbedding.SinCos2D,
        _ => throw new ArgumentException($"Unknown --pos '{value}': use learned or sincos."),
    };
}
