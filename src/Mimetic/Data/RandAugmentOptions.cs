namespace Mimetic.Data;

/// <summary>
/// A modest RandAugment-style policy: for each image, <paramref name="Operations"/> operations are drawn
/// uniformly from identity, brightness, contrast, solarize, posterize, horizontal and vertical translation,
/// each applied at strength <paramref name="Magnitude"/> (0 = no change, 10 = strongest).
/// </summary>
/// <param name="Operations">Operations applied per image (RandAugment's N), 0 to 10.</param>
/// <param name="Magnitude">Strength of every operation (RandAugment's M), 0 to 10.</param>
public sealed record RandAugmentOptions(int Operations = 2, double Magnitude = 9)
{
    /// <summary>The strongest magnitude.</summary>
    public const double MaxMagnitude = 10;

    /// <summary>Checks the values; throws <see cref="DataException"/> if one is out of range.</summary>
    public void Validate()
    {
        if (Operations is < 0 or > 10)
        {
            throw new DataException($"RandAugment operations must be between 0 and 10, got {Operations}");
        }

        if (!(Magnitude is >= 0 and <= MaxMagnitude))
        {
            throw new DataException($"RandAugment magnitude must be between 0 and {MaxMagnitude}, got {Magnitude}");
        }
    }
}
