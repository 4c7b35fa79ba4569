using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class CifarReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ReadsCifar10RecordsAsChwBytes()
    {
        string file = WriteRecords("batch.bin", CifarLayout.Cifar10, [(3, 0), (7, 0)]);

        ImageDataset data = CifarReader.Read(DatasetInfo.Cifar10, CifarLayout.Cifar10, [file], recordsPerFile: 2);

        Assert.Equal(2, data.Count);
        Assert.Equal([3, 7], data.Labels.ToArray());
        Assert.Equal(PixelsOf(1), data.GetImage(1).ToArray());
    }

    [Fact]
    public void ReadsCifar100FineLabelsThroughTheSameCode()
    {
        string file = WriteRecords("train.bin", CifarLayout.Cifar100Fine, [(99, 19), (42, 3), (0, 0)]);

        ImageDataset data = CifarReader.Read(DatasetInfo.Cifar100, CifarLayout.Cifar100Fine, [file], recordsPerFile: null);

        Assert.Equal(3, data.Count);
        Assert.Equal([99, 42, 0], data.Labels.ToArray());
        Assert.Equal(PixelsOf(2), data.GetImage(2).ToArray());
        Assert.Equal(100, data.ClassCount);
    }

    [Fact]
    public void ConcatenatesFilesInOrder()
    {
        string first = WriteRecords("b1.bin", CifarLayout.Cifar10, [(1, 0)]);
        string second = WriteRecords("b2.bin", CifarLayout.Cifar10, [(2, 0), (5, 0)]);

        ImageDataset data = CifarReader.Read(DatasetInfo.Cifar10, CifarLayout.Cifar10, [first, second], recordsPerFile: null);

        Assert.Equal([1, 2, 5], data.Labels.ToArray());
    }

    [Fact]
    public void RefusesATruncatedBatchFileAndNamesIt()
    {
        string file = WriteRecords("data_batch_9.bin", CifarLayout.Cifar10, [(1, 0), (2, 0)]);
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length - 100);
        }

        var error = Assert.Throws<DataException>(() => CifarReader.Read(DatasetInfo.Cifar10, CifarLayout.Cifar10, [file], null));

        Assert.Contains("data_batch_9.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAFileWithTheWrongRecordCount()
    {
        string file = WriteRecords("data_batch_1.bin", CifarLayout.Cifar10, [(1, 0), (2, 0)]);

        var error = Assert.Throws<DataException>(() => CifarReader.Read(DatasetInfo.Cifar10, CifarLayout.Cifar10, [file], 10_000));

        Assert.Contains("data_batch_1.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("30730000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesALabelOutOfRange()
    {
        string file = WriteRecords("bad.bin", CifarLayout.Cifar10, [(1, 0), (10, 0)]);

        var error = Assert.Throws<DataException>(() => CifarReader.Read(DatasetInfo.Cifar10, CifarLayout.Cifar10, [file], null));

        Assert.Contains("record 1 has label 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAMissingFile()
    {
        var error = Assert.Throws<DataException>(() => CifarReader.ReadCifar10(_temp.Path));

        Assert.Contains("data_batch_1.bin", error.Message, StringComparison.Ordinal);
    }

    private static byte[] PixelsOf(int record) => [.. Enumerable.Range(0, 3072).Select(p => (byte)((p * 3) + record))];

    private string WriteRecords(string name, CifarLayout layout, (int Fine, int Coarse)[] labels)
    {
        string path = _temp.Combine(name);
        using var stream = File.Create(path);
        for (int r = 0; r < labels.Length; r++)
        {
            if (layout.LabelBytes == 2)
            {
                stream.WriteByte((byte)labels[r].Coarse);
            }

            stream.WriteByte((byte)labels[r].Fine);
            stream.Write(PixelsOf(r));
        }

        return path;
    }
}
