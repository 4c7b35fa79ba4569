using Mimetic.Data;

namespace Mimetic.Tests.Data;

/// <summary>Small synthetic data sets and temporary folders for tests.</summary>
internal static class TestData
{
    /// <summary>A data set whose label is index % classes and whose pixels encode the index.</summary>
    public static ImageDataset Synthetic(int count, int classes = 10, int channels = 3, int height = 8, int width = 8)
    {
        var info = new DatasetInfo(
            "synthetic",
            "Synthetic",
            [.. Enumerable.Range(0, classes).Select(c => $"class{c}")],
            channels,
            height,
            width,
            [.. Enumerable.Repeat(0.5f, channels)],
            [.. Enumerable.Repeat(0.25f, channels)]);
        int size = info.PixelsPerImage;
        var pixels = new byte[count * size];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % classes;
            for (int p = 0; p < size; p++)
            {
                pixels[(i * size) + p] = (byte)((i * 31) + (p * 7));
            }
        }

        return new ImageDataset(info, pixels, labels);
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mimetic-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
