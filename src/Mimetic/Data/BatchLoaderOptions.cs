namespace Mimetic.Data;

/// <summary>How a <see cref="BatchLoader"/> walks through a data set.</summary>
/// <param name="BatchSize">Images per batch.</param>
/// <param name="Shuffle">Whether each epoch visits the images in a random order (seeded by <paramref name="Seed"/> and the epoch).</param>
/// <param name="DropLast">Whether to drop a last batch smaller than <paramref name="BatchSize"/>.</param>
/// <param name="Augmentation">Augmentation applied to every image, or null for none.</param>
/// <param name="Seed">Seed of the shuffling and augmentation; with the epoch number it fixes every random choice.</param>
/// <param name="PrefetchBatches">How many batches the background thread prepares ahead (1 to 16).</param>
public sealed record BatchLoaderOptions(
    int BatchSize,
    bool Shuffle = true,
    bool DropLast = true,
    AugmentationOptions? Augmentation = null,
    long Seed = 0,
    int PrefetchBatches = 3)
{
    /// <summary>Training: shuffled, last partial batch dropped, standard augmentation unless another is given.</summary>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="seed">Seed of shuffling and augmentation.</param>
    /// <param name="augmentation">Augmentation, or null for <see cref="AugmentationOptions.Standard"/>.</param>
    public static BatchLoaderOptions Training(int batchSize, long seed, AugmentationOptions? augmentation = null) =>
        new(batchSize, Shuffle: true, DropLast: true, augmentation ?? AugmentationOptions.Standard, seed);

    /// <summary>Evaluation: no augmentation, no shuffling, the last partial batch kept.</summary>
    /// <param name="batchSize">Images per batch.</param>
    public static BatchLoaderOptions Evaluation(int batchSize) =>
        new(batchSize, Shuffle: false, DropLast: false, AugmentationOptions.None);

    /// <summary>Checks the values; throws <see cref="DataException"/> if one is out of range.</summary>
    public void Validate()
    {
        if (BatchSize <= 0)
        {
            throw new DataException($"batch size must be positive, got {BatchSize}");
        }

        if (PrefetchBatches is < 1 or > 16)
        {
            throw new DataException($"prefetch must be between 1 and 16 batches, got {PrefetchBatches}");
        }

        Augmentation?.Validate();
    }
}
