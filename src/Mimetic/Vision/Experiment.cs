using Mimetic.Data;
using Mimetic.Models;

namespace Mimetic.Vision;

/// <summary>
/// What one run trains on: the model's shape (the preset adapted to the dataset) and the batch
/// sources for the training subset and the test split.
/// </summary>
public sealed class Experiment : IDisposable
{
    /// <summary>The seed of the training subset: fixed, so every init and seed trains on the same images.</summary>
    public const long SubsetSeed = 0;

    /// <summary>The seed of the held-out split (<see cref="TrainingConfig.Holdout"/>): fixed, so every run holds out the same images.</summary>
    public const long HoldoutSeed = 5000;

    private Experiment(VisionTransformerConfig modelConfig, BatchLoader train, BatchLoader test)
    {
        ModelConfig = modelConfig;
        Train = train;
        Test = test;
    }

    /// <summary>The model's shape.</summary>
    public VisionTransformerConfig ModelConfig { get; }

    /// <summary>Shuffled, augmented training batches.</summary>
    public BatchLoader Train { get; }

    /// <summary>Evaluation batches (the test split, or the held-out training images), in order, not augmented.</summary>
    public BatchLoader Test { get; }

    /// <summary>Builds the experiment of <paramref name="config"/> on already loaded data.</summary>
    public static Experiment Create(TrainingConfig config, DatasetSplits data)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        config.Validate();
        var info = data.Train.Info;
        var model = config.ModelShape(info.Height, info.Channels, info.ClassCount);
        var (evaluationSet, trainingSet) = config.Holdout is { } held ? data.Train.HoldOut(held, HoldoutSeed) : (data.Test, data.Train);
        var trainSet = config.TrainSize is { } n ? trainingSet.BalancedSubset(n, SubsetSeed) : trainingSet;
        var testSet = config.TestSize is { } m ? evaluationSet.BalancedSubset(m, SubsetSeed) : evaluationSet;
        if (trainSet.Count < config.BatchSize)
        {
            throw new ArgumentException($"The training set has {trainSet.Count} images, fewer than one batch of {config.BatchSize}.");
        }

        var augmentation = new AugmentationOptions
        {
            CropPadding = config.RandomCrop ? 4 : 0,
            HorizontalFlipProbability = config.HorizontalFlip ? 0.5 : 0,
            RandAugment = config.RandAugment ? new RandAugmentOptions() : null,
        };
        var trainLoader = new BatchLoader(trainSet, BatchLoaderOptions.Training(config.BatchSize, config.Seed, augmentation));
        var testLoader = new BatchLoader(testSet, BatchLoaderOptions.Evaluation(Math.Max(config.BatchSize, 256)));
        return new Experiment(model, trainLoader, testLoader);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
