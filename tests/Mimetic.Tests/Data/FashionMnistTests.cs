using System.Buffers.Binary;
using System.IO.Compression;
using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class FashionMnistTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void ReadsTheInstalledFiles()
    {
        // scripts/install-prereqs.sh installs Debian's dataset-fashion-mnist; without it this skips (or fails in CI).
        RealData.Require(FashionMnistReader.FileNames.All(f => File.Exists(Path.Combine(DatasetCatalog.DebianFashionMnistDirectory, f)))
            ? null
            : $"Fashion-MNIST is not installed in {DatasetCatalog.DebianFashionMnistDirectory} (apt-get install dataset-fashion-mnist)");
        using var cache = new TempDirectory();
        DatasetSplits splits = DatasetCatalog.Load("fashion-mnist", new DatasetLoadOptions { CacheDirectory = cache.Path, AllowDownload = false });

        Assert.Equal(60_000, splits.Train.Count);
        Assert.Equal(10_000, splits.Test.Count);
        Assert.Equal((1, 28, 28), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));
        Assert.All(splits.Train.CountPerClass(), n => Assert.Equal(6_000, n));
        Assert.All(splits.Test.CountPerClass(), n => Assert.Equal(1_000, n));
        double mean = splits.Train.Pixels.ToArray().Average(b => (double)b) / 255;
        Assert.True(Math.Abs(mean - 0.2860) < 0.001, $"mean {mean:F4}");
    }

    [Fact]
    public void ReadsAHandMadeIdxPair()
    {
        string images = WriteIdx("img.gz", [0, 0, 8, 3], [2, 28, 28], [.. Enumerable.Range(0, 2 * 784).Select(i => (byte)i)]);
        string labels = WriteIdx("lbl.gz", [0, 0, 8, 1], [2], [9, 4]);

        ImageDataset data = FashionMnistReader.ReadSplit(images, labels);

        Assert.Equal(2, data.Count);
        Assert.Equal([9, 4], data.Labels.ToArray());
        Assert.Equal((byte)(784 % 256), data.GetImage(1)[0]);
    }

    [Fact]
    public void RefusesAWrongMagicNumber()
    {
        string images = WriteIdx("img.gz", [0, 0, 8, 1], [2], [1, 2]);
        string labels = WriteIdx("lbl.gz", [0, 0, 8, 1], [2], [9, 4]);

        var error = Assert.Throws<DataException>(() => FashionMnistReader.ReadSplit(images, labels));

        Assert.Contains("magic number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesATruncatedFile()
    {
        string images = WriteIdx("img.gz", [0, 0, 8, 3], [2, 28, 28], new byte[700]);
        string labels = WriteIdx("lbl.gz", [0, 0, 8, 1], [2], [9, 4]);

        var error = Assert.Throws<DataException>(() => FashionMnistReader.ReadSplit(images, labels));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesMismatchedCountsAndBadLabels()
    {
        string images = WriteIdx("img.gz", [0, 0, 8, 3], [2, 28, 28], new byte[2 * 784]);
        string threeLabels = WriteIdx("lbl3.gz", [0, 0, 8, 1], [3], [1, 2, 3]);
        string badLabel = WriteIdx("lblbad.gz", [0, 0, 8, 1], [2], [1, 12]);

        Assert.Contains("disagree", Assert.Throws<DataException>(() => FashionMnistReader.ReadSplit(images, threeLabels)).Message, StringComparison.Ordinal);
        Assert.Contains("label 1 is 12", Assert.Throws<DataException>(() => FashionMnistReader.ReadSplit(images, badLabel)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesFilesThatFailTheChecksum()
    {
        string images = WriteIdx(FashionMnistReader.TrainImagesFile, [0, 0, 8, 3], [1, 28, 28], new byte[784]);
        string labels = WriteIdx(FashionMnistReader.TrainLabelsFile, [0, 0, 8, 1], [1], [0]);

        var error = Assert.Throws<DataException>(() => FashionMnistReader.ReadSplit(images, labels, verifyChecksums: true));

        Assert.Contains("fails its checksum", error.Message, StringComparison.Ordinal);
    }

    private string WriteIdx(string name, byte[] magic, int[] dims, byte[] data)
    {
        string path = _temp.Combine(name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(magic);
        Span<byte> buffer = stackalloc byte[4];
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer, d);
            gzip.Write(buffer);
        }

        gzip.Write(data);
        return path;
    }
}
