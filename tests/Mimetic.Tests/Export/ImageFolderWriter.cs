using Mimetic.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Mimetic.Tests.Export;

/// <summary>Writes images of a data set as PNGs, pixel for pixel, into one folder per class (torchvision's ImageFolder layout).</summary>
internal static class ImageFolderWriter
{
    public static void Write(ImageDataset data, string root)
    {
        for (var i = 0; i < data.Count; i++)
        {
            var folder = Path.Combine(root, data.ClassNames[data.GetLabel(i)]);
            Directory.CreateDirectory(folder);
            using var image = ToImage(data.GetImage(i), data.Width, data.Height);
            image.SaveAsPng(Path.Combine(folder, $"{i:D5}.png"));
        }
    }

    public static Image<Rgb24> ToImage(ReadOnlySpan<byte> chw, int width, int height)
    {
        var plane = width * height;
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var p = (y * width) + x;
                image[x, y] = new Rgb24(chw[p], chw[plane + p], chw[(2 * plane) + p]);
            }
        }

        return image;
    }
}
