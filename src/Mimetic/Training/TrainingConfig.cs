using Mimetic.Init;
using Mimetic.Models;

namespace Mimetic.Training;

/// <summary>
/// Everything that decides a training run. Saved as <c>config.json</c> in the run directory, so a run
/// can be resumed or reproduced from it alone.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Dataset name: cifar10, cifar100 or fashion-mnist.</summary>
    public string Dataset { get; init; } = "cifar10";

    /// <summary>Model preset name (see <see cref="VisionPresets"/>).</summary>
    public string Model { get; init; } = "vit-cpu";

    /// <summary>Overrides the preset's position embedding.</summary>
    public PositionEmbedding? Position { get; init; }

    /// <summary>Initialization name (see <see cref="WeightInit"/>).</summary>
    public string Init { get; init; } = WeightInit.Mimetic;

    /// <summary>α, β and sign for mimetic inits (parts come from <see cref="Init"/>).</summary>
    public MimeticOptions Mimetic { get; init; } = MimeticOptions.Vision;

    /// <summary>Seed of the model's init, the data order and the augmentation.</summary>
    public long Seed { get; init; }

    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate of AdamW.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>Linear warm-up length, in epochs (may be fractional).</summary>
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>AdamW weight decay; not applied to norms, biases, position embeddings and class tokens.</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Label smoothing of the cross-entropy loss.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public double GradientClip { get; init; } = 1.0;

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

    /// <summary>Intra-op threads for libtorch; 0 for one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot train.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, $"epochs must be at least 1, not {Epochs}");
        Require(BatchSize >= 1, $"batch size must be at least 1, not {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be positive, not {LearningRate}");
        Require(MinLearningRate >= 0 && MinLearningRate <= LearningRate, "the minimum learning rate must be between 0 and the learning rate");
        Require(WarmupEpochs >= 0 && WarmupEpochs <= Epochs, "warm-up must be between 0 and the number of epochs");
        Require(WeightDecay >= 0, "weight decay must be ≥ 0");
        Require(LabelSmoothing is >= 0 and < 1, "label smoothing must be in [0, 1)");
        Require(GradientClip >= 0, "gradient clip must be ≥ 0");
        Require(TrainSize is null or > 0, "train size must be positive");
        Require(TestSize is null or > 0, "test size must be positive");
        Require(Threads >= 0, "threads must be ≥ 0");
        Require(WeightInit.IsKnown(Init), $"unknown initialization '{Init}'; known: {string.Join(", ", WeightInit.Names)}");
        Mimetic.Validate();
        _ = VisionPresets.Describe(Model);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid training config: {message}.");
        }
    }
}
