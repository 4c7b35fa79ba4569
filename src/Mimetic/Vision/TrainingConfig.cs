using Mimetic.Init;
using Mimetic.Models;
using Mimetic.Training;
using System.Text.Json.Serialization;

namespace Mimetic.Vision;

/// <summary>
/// Everything that decides an image-classification run (the <see cref="RunConfig"/> settings plus dataset,
/// subsets, augmentation and epochs). Saved as <c>config.json</c> in the run directory, so a run can be
/// resumed or reproduced from it alone.
/// </summary>
public sealed record TrainingConfig : RunConfig
{
    /// <summary>A vision config with the vision defaults (vit-cpu, mimetic init).</summary>
    public TrainingConfig()
    {
        Model = "vit-cpu";
    }

    /// <inheritdoc />
    public override string Task => TrainingTasks.Vision;

    /// <summary>Dataset name: cifar10, cifar100 or fashion-mnist.</summary>
    public string Dataset { get; init; } = "cifar10";

    /// <summary>Overrides the preset's position embedding.</summary>
    public PositionEmbedding? Position { get; init; }

    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Linear warm-up length, in epochs (may be fractional).</summary>
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>Label smoothing of the cross-entropy loss.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>A class-balanced, seeded training subset of this size; null for all images.</summary>
    public int? TrainSize { get; init; }

    /// <summary>A class-balanced test subset of this size; null for all images.</summary>
    public int? TestSize { get; init; }

    /// <summary>Random crop with 4-pixel padding.</summary>
    public bool RandomCrop { get; init; } = true;

    /// <summary>Random horizontal flip.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>A RandAugment-style policy on top of crop and flip.</summary>
    public bool RandAugment { get; init; }

    /// <summary>
    /// Images of the training split held out (class-balanced, always the same ones) and evaluated on instead of the
    /// test split, so that a recipe can be chosen without looking at the test images; null trains on all of them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Holdout { get; init; }

    /// <summary>Evaluate each image and its mirror image and average the logits (test-time flip averaging).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TestFlip { get; init; }

    /// <summary>The fraction of patch tokens dropped at random from every training image (after the position embedding); 0 keeps all.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double TokenDrop { get; init; }

    /// <summary>
    /// The dropped fraction at the end of training, reached linearly from <see cref="TokenDrop"/> over the run's steps
    /// (cheap early steps that see few tokens, full-sized late ones, as with progressive resizing); null keeps
    /// <see cref="TokenDrop"/> throughout.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? TokenDropEnd { get; init; }

    /// <summary>The fraction of patch tokens dropped at <paramref name="progress"/> (0 at the first step, 1 at the end) of the run.</summary>
    public double TokenDropAt(double progress) =>
        TokenDropEnd is { } end ? TokenDrop + ((end - TokenDrop) * Math.Clamp(progress, 0, 1)) : TokenDrop;

    /// <summary>Overrides of the preset's shape: width, depth, heads, patch size, MLP ratio; null keeps the preset's.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ShapeOverrides? Shape { get; init; }

    /// <summary>The model's shape for a dataset's images: the preset adapted to them, with <see cref="Position"/> and <see cref="Shape"/> applied.</summary>
    public VisionTransformerConfig ModelShape(int imageSize, int channels, int classes)
    {
        var model = VisionPresets.Get(Model, imageSize, channels, classes);
        model = Position is { } position ? model with { Position = position } : model;
        return Shape?.ApplyTo(model) ?? model;
    }

    // Image-folder datasets (--dataset folder:PATH). Null for the named datasets, and then not written to config.json.

    /// <summary>A folder dataset's image side (default 32).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? ImageSize { get; init; }

    /// <summary>A folder dataset's held-out share per class, without PATH/train and PATH/val (default 0.1).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? ValFraction { get; init; }

    /// <summary>A folder dataset's classes and training-split normalisation, found when its images are read.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ImageFolderInfo? ImageFolder { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string LengthOption => "epochs";

    /// <inheritdoc />
    protected override RunConfig WithLengthOf(RunConfig other) => other is TrainingConfig vision ? this with { Epochs = vision.Epochs } : this;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Epochs >= 1, $"epochs must be at least 1, not {Epochs}");
        Require(WarmupEpochs >= 0 && WarmupEpochs <= Epochs, $"warm-up ({WarmupEpochs} epochs, --warmup) must be between 0 and the number of epochs ({Epochs}, --epochs)");
        Require(LabelSmoothing is >= 0 and < 1, "label smoothing must be in [0, 1)");
        Require(TrainSize is null or > 0, "train size must be positive");
        Require(TestSize is null or > 0, "test size must be positive");
        Require(Holdout is null or > 0, "the held-out split (--holdout) must be positive");
        Require(TokenDrop is >= 0 and < 1 && double.IsFinite(TokenDrop), $"the dropped token fraction (--token-drop) must be in [0, 1), not {TokenDrop}");
        Require(TokenDropEnd is null or (>= 0 and < 1), $"the final dropped token fraction (--token-drop-end) must be in [0, 1), not {TokenDropEnd}");
        _ = VisionPresets.Describe(Model);
        var folder = Data.ImageFolderDataset.IsFolder(Dataset);
        Require(folder || (ImageSize is null && ValFraction is null), "--image-size and --val-fraction apply to folder datasets (--dataset folder:PATH)");
        Require(ImageSize is null or (>= 4 and <= 1024), $"the image size must be between 4 and 1024, not {ImageSize}");
        Require(ValFraction is null or (> 0 and < 1), $"the validation fraction must be between 0 and 1 (exclusive), not {ValFraction}");
    }
}

/// <summary>Changes to a preset's shape (null: the preset's value).</summary>
/// <param name="Width">Model width d.</param>
/// <param name="Depth">Blocks.</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="PatchSize">Patch side in pixels.</param>
/// <param name="MlpRatio">MLP hidden width as a multiple of d.</param>
public sealed record ShapeOverrides(int? Width = null, int? Depth = null, int? Heads = null, int? PatchSize = null, double? MlpRatio = null)
{
    /// <summary>Whether nothing is overridden.</summary>
    [JsonIgnore]
    public bool IsEmpty => this == new ShapeOverrides();

    /// <summary><paramref name="model"/> with the overridden values.</summary>
    public VisionTransformerConfig ApplyTo(VisionTransformerConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model with
        {
            Width = Width ?? model.Width,
            Depth = Depth ?? model.Depth,
            Heads = Heads ?? model.Heads,
            PatchSize = PatchSize ?? model.PatchSize,
            MlpRatio = MlpRatio ?? model.MlpRatio,
        };
    }
}
