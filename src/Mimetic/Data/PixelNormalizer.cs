namespace Mimetic.Data;

/// <summary>
/// Turns uint8 CHW images into normalised floats, (value / 255 − mean[c]) / std[c], through one 256-entry
/// lookup table per channel.
/// </summary>
public sealed class PixelNormalizer
{
    private readonly float[][] _tables;

    /// <summary>Creates a normaliser from per-channel statistics on a 0–1 scale.</summary>
    /// <param name="mean">Per-channel mean.</param>
    /// <param name="std">Per-channel standard deviation, positive.</param>
    public PixelNormalizer(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new DataException($"normalisation needs as many std values as mean values, got {mean.Count} and {std.Count}");
        }

        _tables = new float[mean.Count][];
        for (int c = 0; c < mean.Count; c++)
        {
            if (!(std[c] > 0))
            {
                throw new DataException($"normalisation std for channel {c} must be positive, got {std[c]}");
            }

            _tables[c] = new float[256];
            for (int v = 0; v < 256; v++)
            {
                _tables[c][v] = ((v / 255f) - mean[c]) / std[c];
            }
        }
    }

    /// <summary>The number of channels.</summary>
    public int Channels => _tables.Length;

    /// <summary>A normaliser with a data set's own mean and std.</summary>
    /// <param name="info">The data set.</param>
    public static PixelNormalizer For(DatasetInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new PixelNormalizer(info.Mean, info.Std);
    }

    /// <summary>Normalises one CHW image.</summary>
    /// <param name="image">The image bytes; length must be a multiple of <see cref="Channels"/>.</param>
    /// <param name="destination">Receives one float per byte.</param>
    public void Normalize(ReadOnlySpan<byte> image, Span<float> destination)
    {
        if (destination.Length != image.Length || image.Length % Channels != 0)
        {
            throw new ArgumentException($"cannot normalise {image.Length} bytes of {Channels} channels into {destination.Length} floats");
        }

        int plane = image.Length / Channels;
        for (int c = 0; c < Channels; c++)
        {
            float[] table = _tables[c];
            ReadOnlySpan<byte> source = image.Slice(c * plane, plane);
            Span<float> target = destination.Slice(c * plane, plane);
            for (int i = 0; i < source.Length; i++)
            {
                target[i] = table[source[i]];
            }
        }
    }
}
