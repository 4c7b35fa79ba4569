namespace Mimetic.Data;

/// <summary>The RandAugment operations, in the order they are drawn from.</summary>
public enum RandAugmentOperation
{
    /// <summary>No change.</summary>
    Identity,

    /// <summary>Scale all values by 1 ± 0.9·m/10.</summary>
    Brightness,

    /// <summary>Scale the distance from the mean grey level by 1 ± 0.9·m/10.</summary>
    Contrast,

    /// <summary>Invert values at or above 256·(1 − m/10).</summary>
    Solarize,

    /// <summary>Keep the top 8 − round(4·m/10) bits.</summary>
    Posterize,

    /// <summary>Shift left or right by 0.45·m/10 of the width, filling with zeros.</summary>
    TranslateX,

    /// <summary>Shift up or down by 0.45·m/10 of the height, filling with zeros.</summary>
    TranslateY,
}
