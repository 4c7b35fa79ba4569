namespace Mimetic.Data;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to uint8 CHW images with plain loops over spans. Every random
/// choice comes from the seed passed per image, so results do not depend on threads or call order.
/// An instance keeps a scratch buffer: use one instance per thread.
/// </summary>
public sealed class ImageAugmenter
{
    /// <summary>Translation at full magnitude, as a fraction of the image size.</summary>
    private const double MaxTranslateFraction = 0.45;

    private readonly int _channels;
    private readonly int _height;
    private readonly int _width;
    private readonly byte[] _scratch;
    private readonly byte[] _table = new byte[256];

    /// <summary>Creates an augmenter for images of one shape.</summary>
    /// <param name="options">What to apply.</param>
    /// <param name="channels">Channels per image.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    public ImageAugmenter(AugmentationOptions options, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        options.Validate();
        Options = options;
        _channels = channels;
        _height = height;
        _width = width;
        _scratch = new byte[channels * height * width];
    }

    /// <summary>The options applied.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>Augments one image.</summary>
    /// <param name="source">The image, CHW uint8.</param>
    /// <param name="destination">Receives the augmented image; same size, must not overlap the source.</param>
    /// <param name="seed">The seed for this image's random choices.</param>
    public void Apply(ReadOnlySpan<byte> source, Span<byte> destination, long seed)
    {
        int size = _channels * _height * _width;
        if (source.Length != size || destination.Length != size)
        {
            throw new ArgumentException($"expected images of {size} bytes, got {source.Length} and {destination.Length}");
        }

        var random = new SplitMix64((ulong)seed);
        int padding = Options.CropPadding;
        int dy = padding > 0 ? random.NextInt(-padding, padding) : 0;
        int dx = padding > 0 ? random.NextInt(-padding, padding) : 0;
        bool flip = Options.HorizontalFlipProbability > 0 && random.NextDouble() < Options.HorizontalFlipProbability;
        CropAndFlip(source, destination, dy, dx, flip);
        if (Options.RandAugment is { } policy)
        {
            for (int i = 0; i < policy.Operations; i++)
            {
                var operation = (RandAugmentOperation)random.NextInt(7);
                bool negative = random.NextInt(2) == 1;
                Apply(operation, policy.Magnitude, negative, destination);
            }
        }
    }

    /// <summary>Applies one RandAugment operation in place.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="magnitude">Its strength, 0 to 10.</param>
    /// <param name="negative">For signed operations (brightness, contrast, translations), go the other way.</param>
    /// <param name="image">The image, CHW uint8, changed in place.</param>
    public void Apply(RandAugmentOperation operation, double magnitude, bool negative, Span<byte> image)
    {
        double strength = Math.Clamp(magnitude / RandAugmentOptions.MaxMagnitude, 0, 1);
        double sign = negative ? -1 : 1;
        switch (operation)
        {
            case RandAugmentOperation.Identity:
                break;
            case RandAugmentOperation.Brightness:
                FillBlendTable(0, 1 + (sign * 0.9 * strength));
                ApplyTable(image);
                break;
            case RandAugmentOperation.Contrast:
                FillBlendTable(MeanGrey(image), 1 + (sign * 0.9 * strength));
                ApplyTable(image);
                break;
            case RandAugmentOperation.Solarize:
                int threshold = (int)Math.Round(256 * (1 - strength));
                for (int v = 0; v < 256; v++)
                {
                    _table[v] = (byte)(v >= threshold ? 255 - v : v);
                }

                ApplyTable(image);
                break;
            case RandAugmentOperation.Posterize:
                int bits = 8 - (int)Math.Round(4 * strength);
                byte mask = (byte)(0xFF << (8 - bits));
                for (int v = 0; v < 256; v++)
                {
                    _table[v] = (byte)(v & mask);
                }

                ApplyTable(image);
                break;
            case RandAugmentOperation.TranslateX:
                Translate(image, 0, (int)Math.Round(sign * MaxTranslateFraction * strength * _width));
                break;
            case RandAugmentOperation.TranslateY:
                Translate(image, (int)Math.Round(sign * MaxTranslateFraction * strength * _height), 0);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown operation");
        }
    }

    /// <summary>
    /// Writes the source shifted by (dy, dx) — destination pixel (y, x) comes from source (y + dy, x + dx),
    /// zero where that falls outside — and mirrored left to right if <paramref name="flip"/>.
    /// </summary>
    internal void CropAndFlip(ReadOnlySpan<byte> source, Span<byte> destination, int dy, int dx, bool flip)
    {
        int h = _height;
        int w = _width;
        for (int c = 0; c < _channels; c++)
        {
            for (int y = 0; y < h; y++)
            {
                Span<byte> row = destination.Slice((c * h + y) * w, w);
                int sy = y + dy;
                if (sy < 0 || sy >= h)
                {
                    row.Clear();
                    continue;
                }

                ReadOnlySpan<byte> sourceRow = source.Slice((c * h + sy) * w, w);
                if (!flip && dx == 0)
                {
                    sourceRow.CopyTo(row);
                    continue;
                }

                for (int x = 0; x < w; x++)
                {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    row[x] = (uint)sx < (uint)w ? sourceRow[sx] : (byte)0;
                }
            }
        }
    }

    private void Translate(Span<byte> image, int dy, int dx)
    {
        if (dy == 0 && dx == 0)
        {
            return;
        }

        // Shifting the content by +dx means destination (y, x) comes from source (y, x - dx).
        image.CopyTo(_scratch);
        CropAndFlip(_scratch, image, -dy, -dx, flip: false);
    }

    private void FillBlendTable(double centre, double factor)
    {
        for (int v = 0; v < 256; v++)
        {
            double value = centre + (factor * (v - centre));
            _table[v] = (byte)Math.Clamp((int)Math.Round(value), 0, 255);
        }
    }

    private void ApplyTable(Span<byte> image)
    {
        byte[] table = _table;
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = table[image[i]];
        }
    }

    private double MeanGrey(ReadOnlySpan<byte> image)
    {
        int plane = _height * _width;
        double sum = 0;
        if (_channels == 3)
        {
            ReadOnlySpan<byte> r = image[..plane];
            ReadOnlySpan<byte> g = image.Slice(plane, plane);
            ReadOnlySpan<byte> b = image.Slice(2 * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                sum += (0.299 * r[i]) + (0.587 * g[i]) + (0.114 * b[i]);
            }

            return sum / plane;
        }

        foreach (byte v in image)
        {
            sum += v;
        }

        return sum / image.Length;
    }
}
