using Mimetic.Data;

namespace Mimetic.Vision;

/// <summary>
/// What a folder dataset's run keeps about its data in <c>config.json</c>: the class names (label order) and the
/// per-channel mean and std of its training split, so an export or a resume uses exactly them. Equal by value.
/// </summary>
/// <param name="Classes">The class names, indexed by label.</param>
/// <param name="Mean">Per-channel mean on a 0–1 scale.</param>
/// <param name="Std">Per-channel standard deviation on a 0–1 scale.</param>
public sealed record ImageFolderInfo(IReadOnlyList<string> Classes, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>The info of a loaded folder dataset.</summary>
    public static ImageFolderInfo Of(DatasetInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new ImageFolderInfo([.. info.ClassNames], [.. info.Mean], [.. info.Std]);
    }

    /// <inheritdoc />
    public bool Equals(ImageFolderInfo? other) =>
        other is not null && Classes.SequenceEqual(other.Classes, StringComparer.Ordinal) && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Classes.Count, Mean.Count, Std.Count);
}
