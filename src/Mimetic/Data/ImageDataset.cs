namespace Mimetic.Data;

/// <summary>
/// A labelled image data set held in memory as bytes: images are stored one after another in
/// channel-major (CHW) uint8 layout, which is what CIFAR and IDX files contain, so 50,000 CIFAR images
/// take 150 MB. Conversion to normalised floats happens per batch (see <see cref="BatchLoader"/>).
/// Instances are immutable.
/// </summary>
public sealed class ImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;

    /// <summary>Creates a data set. The arrays are owned by the data set afterwards: do not change them.</summary>
    /// <param name="info">Shape, classes and normalisation of the data set.</param>
    /// <param name="pixels">All images, CHW uint8, one after another.</param>
    /// <param name="labels">One label per image, each below the class count.</param>
    /// <exception cref="DataException">The arrays do not fit the description.</exception>
    public ImageDataset(DatasetInfo info, byte[] pixels, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        info.Validate();
        if ((long)labels.Length * info.PixelsPerImage != pixels.LongLength)
        {
            throw new DataException(
                $"{info.DisplayName}: {pixels.LongLength} pixel bytes do not hold {labels.Length} images of {info.PixelsPerImage} bytes");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)info.ClassCount)
            {
                throw new DataException($"{info.DisplayName}: image {i} has label {labels[i]}, expected 0..{info.ClassCount - 1}");
            }
        }

        Info = info;
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>Shape, classes and normalisation of the data set.</summary>
    public DatasetInfo Info { get; }

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Colour channels per image.</summary>
    public int Channels => Info.Channels;

    /// <summary>Image height in pixels.</summary>
    public int Height => Info.Height;

    /// <summary>Image width in pixels.</summary>
    public int Width => Info.Width;

    /// <summary>Bytes per image (channels × height × width).</summary>
    public int PixelsPerImage => Info.PixelsPerImage;

    /// <summary>The number of classes.</summary>
    public int ClassCount => Info.ClassCount;

    /// <summary>The class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames => Info.ClassNames;

    /// <summary>All images, CHW uint8, one after another.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>All labels, in image order.</summary>
    public ReadOnlyMemory<int> Labels => _labels;

    /// <summary>The bytes of one image, CHW.</summary>
    /// <param name="index">Image index, 0 ≤ index &lt; <see cref="Count"/>.</param>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>The label of one image.</summary>
    /// <param name="index">Image index, 0 ≤ index &lt; <see cref="Count"/>.</param>
    public int GetLabel(int index) => _labels[index];

    /// <summary>How many images each class has, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in _labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>A new data set holding copies of the given images, in the given order.</summary>
    /// <param name="indices">Image indices; repeats are allowed.</param>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int size = PixelsPerImage;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)Count)
            {
                throw new DataException($"{Info.DisplayName}: subset index {source} is outside 0..{Count - 1}");
            }

            _pixels.AsSpan(source * size, size).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = _labels[source];
        }

        return new ImageDataset(Info, pixels, labels);
    }

    /// <summary>
    /// A class-balanced random subset of <paramref name="count"/> images: every class gets
    /// count / classes images, and the remainder goes one each to the lowest-numbered classes.
    /// The choice depends only on the data set and the seed; the images keep their original order.
    /// </summary>
    /// <param name="count">Subset size, between the class count and <see cref="Count"/>.</param>
    /// <param name="seed">Seed for the random choice inside each class.</param>
    /// <exception cref="DataException">The size is out of range or a class has too few images.</exception>
    public ImageDataset BalancedSubset(int count, long seed) => Subset(BalancedIndices(count, seed));

    /// <summary>
    /// Splits the data set in two: a <see cref="BalancedSubset"/> of <paramref name="count"/> images held out (for
    /// choices made on data the model does not train on), and every other image, both in their original order.
    /// </summary>
    /// <exception cref="DataException">The size is out of range or a class has too few images.</exception>
    public (ImageDataset HeldOut, ImageDataset Others) HoldOut(int count, long seed)
    {
        var held = BalancedIndices(count, seed);
        var isHeld = new bool[Count];
        held.ForEach(i => isHeld[i] = true);
        return (Subset(held), Subset(Enumerable.Range(0, Count).Where(i => !isHeld[i]).ToList()));
    }

    private List<int> BalancedIndices(int count, long seed)
    {
        if (count > Count)
        {
            throw new DataException($"{Info.DisplayName}: a subset of {count} images was asked for, but the data set has only {Count}");
        }

        if (count < ClassCount)
        {
            throw new DataException(
                $"{Info.DisplayName}: a balanced subset needs at least one image per class ({ClassCount}), but {count} were asked for");
        }

        int perClass = count / ClassCount;
        int remainder = count % ClassCount;
        var byClass = new List<int>[ClassCount];
        for (int c = 0; c < ClassCount; c++)
        {
            byClass[c] = [];
        }

        for (int i = 0; i < _labels.Length; i++)
        {
            byClass[_labels[i]].Add(i);
        }

        var chosen = new List<int>(count);
        for (int c = 0; c < ClassCount; c++)
        {
            int quota = perClass + (c < remainder ? 1 : 0);
            if (byClass[c].Count < quota)
            {
                throw new DataException(
                    $"{Info.DisplayName}: class {c} ({ClassNames[c]}) has {byClass[c].Count} images, fewer than the {quota} a balanced subset of {count} needs");
            }

            int[] members = [.. byClass[c]];
            var random = new SplitMix64(SplitMix64.Combine(seed, c, 0x5B5E7));
            random.Shuffle(members);
            chosen.AddRange(members.AsSpan(0, quota));
        }

        chosen.Sort();
        return chosen;
    }
}
