using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Mimetic.Data;

/// <summary>
/// Reads image files (PNG, JPEG, BMP, GIF, WebP; decoded with SixLabors.ImageSharp) into the square uint8 CHW form
/// the models take: the image's size is read from its header first and an absurd one is refused before decoding
/// (decompression bombs); then the shorter side is resized to the target size (bicubic; skipped when it is already
/// that size) and the centre square is cut out. Colour becomes RGB: alpha is dropped (not blended) and a gray image is
/// repeated into three channels; a one-channel target takes the image's luminance. Training (folder datasets) and
/// <c>mimetic predict</c> both prepare images here, so they see the same pixels.
/// </summary>
public static class ImageFiles
{
    /// <summary>The largest side accepted, in pixels.</summary>
    public const int MaxSide = 16_384;

    /// <summary>The most pixels accepted (width × height).</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>The file extensions read (lower case, with the dot).</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp",
    };

    /// <summary>Whether <paramref name="path"/> has an image extension.</summary>
    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Reads one image as <paramref name="channels"/>×<paramref name="size"/>×<paramref name="size"/> bytes, channel-major.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="size">The side of the square the model takes.</param>
    /// <param name="channels">3 (RGB) or 1 (gray).</param>
    /// <exception cref="DataException">The file cannot be read, is not a decodable image, or is absurdly large; the message names it.</exception>
    public static byte[] Load(string path, int size, int channels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"Images are read as 1 or 3 channels, not {channels}.", nameof(channels));
        }

        var (width, height) = Dimensions(path);
        try
        {
            return channels == 3 ? Read<Rgb24>(path, size, width, height) : Read<L8>(path, size, width, height);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or DataException))
        {
            throw Unreadable(path, e);
        }
    }

    /// <summary>The image's width and height from its header, checked against <see cref="MaxSide"/> and <see cref="MaxPixels"/>.</summary>
    /// <exception cref="DataException">Not an image, or an absurd size.</exception>
    public static (int Width, int Height) Dimensions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IImageInfo? info;
        try
        {
            info = Image.Identify(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unreadable(path, e);
        }

        if (info is null)
        {
            throw new DataException($"{path}: not an image in a known format (PNG, JPEG, BMP, GIF or WebP)");
        }

        if (info.Width < 1 || info.Height < 1 || info.Width > MaxSide || info.Height > MaxSide || (long)info.Width * info.Height > MaxPixels)
        {
            throw new DataException(
                $"{path}: the image is {info.Width}×{info.Height} pixels; at most {MaxSide} per side and {MaxPixels / 1_000_000} megapixels are read");
        }

        return (info.Width, info.Height);
    }

    private static byte[] Read<TPixel>(string path, int size, int width, int height)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var image = Image.Load<TPixel>(path);
        if (image.Width != width || image.Height != height)
        {
            throw new DataException($"{path}: the decoded image is {image.Width}×{image.Height}, its header said {width}×{height}");
        }

        if (image.Width != size || image.Height != size)
        {
            var (resizedWidth, resizedHeight) = image.Width <= image.Height
                ? (size, Math.Max(size, (int)Math.Round((double)image.Height * size / image.Width)))
                : (Math.Max(size, (int)Math.Round((double)image.Width * size / image.Height)), size);
            image.Mutate(c =>
            {
                if (resizedWidth != image.Width || resizedHeight != image.Height)
                {
                    c.Resize(resizedWidth, resizedHeight, KnownResamplers.Bicubic);
                }

                c.Crop(new Rectangle((resizedWidth - size) / 2, (resizedHeight - size) / 2, size, size));
            });
        }

        var pixels = new TPixel[size * size];
        image.CopyPixelDataTo(pixels);
        return ToChannelMajor(pixels);
    }

    private static byte[] ToChannelMajor<TPixel>(TPixel[] pixels)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var plane = pixels.Length;
        if (pixels is L8[] gray)
        {
            return [.. gray.Select(p => p.PackedValue)];
        }

        var rgb = (Rgb24[])(object)pixels;
        var bytes = new byte[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            bytes[i] = rgb[i].R;
            bytes[plane + i] = rgb[i].G;
            bytes[(2 * plane) + i] = rgb[i].B;
        }

        return bytes;
    }

    private static DataException Unreadable(string path, Exception e) =>
        new($"{path}: not a readable image ({FirstSentence(e.Message)})", e);

    private static string FirstSentence(string message)
    {
        var line = message.Split('\n', 2)[0].Trim().TrimEnd('.');
        return line.Length <= 120 ? line : line[..117] + "...";
    }
}
