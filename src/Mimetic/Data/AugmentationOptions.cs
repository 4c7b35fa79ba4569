namespace Mimetic.Data;

/// <summary>
/// Training-time image augmentation: random crop with zero padding, random horizontal flip and an optional
/// RandAugment-style policy. Applied in that order, on uint8 CHW images.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Zero padding added on every side before a random crop back to the original size; 0 turns cropping off.</summary>
    public int CropPadding { get; init; } = 4;

    /// <summary>Probability of mirroring an image left to right; 0 turns flipping off.</summary>
    public double HorizontalFlipProbability { get; init; } = 0.5;

    /// <summary>The RandAugment-style policy, or null for none.</summary>
    public RandAugmentOptions? RandAugment { get; init; }

    /// <summary>No augmentation at all (evaluation).</summary>
    public static AugmentationOptions None { get; } = new() { CropPadding = 0, HorizontalFlipProbability = 0 };

    /// <summary>The usual CIFAR recipe: 4-pixel padded random crop and random horizontal flip.</summary>
    public static AugmentationOptions Standard { get; } = new();

    /// <summary>Whether these options leave every image unchanged.</summary>
    public bool IsIdentity => CropPadding == 0 && HorizontalFlipProbability <= 0 && (RandAugment is null || RandAugment.Operations == 0);

    /// <summary>Checks the values; throws <see cref="DataException"/> if one is out of range.</summary>
    public void Validate()
    {
        if (CropPadding < 0)
        {
            throw new DataException($"crop padding must not be negative, got {CropPadding}");
        }

        if (!(HorizontalFlipProbability is >= 0 and <= 1))
        {
            throw new DataException($"flip probability must be between 0 and 1, got {HorizontalFlipProbability}");
        }

        RandAugment?.Validate();
    }
}
