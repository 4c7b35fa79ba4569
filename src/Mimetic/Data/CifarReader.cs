namespace Mimetic.Data;

/// <summary>
/// Reads CIFAR-10 and CIFAR-100 binary files (one code path, parameterised by <see cref="CifarLayout"/>),
/// checking every file's size and every label.
/// </summary>
public static class CifarReader
{
    /// <summary>The CIFAR-10 training files, in order.</summary>
    public static IReadOnlyList<string> Cifar10TrainFiles { get; } =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>
    /// Reads CIFAR-10 from a folder holding <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> and <c>test_batch.bin</c>
    /// (and optionally <c>batches.meta.txt</c> with class names).
    /// </summary>
    /// <param name="batchesDirectory">The <c>cifar-10-batches-bin</c> folder.</param>
    /// <exception cref="DataException">A file is missing, truncated or holds a bad label.</exception>
    public static DatasetSplits ReadCifar10(string batchesDirectory)
    {
        DatasetInfo info = WithNamesFromFile(DatasetInfo.Cifar10, Path.Combine(batchesDirectory, "batches.meta.txt"));
        ImageDataset train = Read(info, CifarLayout.Cifar10, [.. Cifar10TrainFiles.Select(f => Path.Combine(batchesDirectory, f))], 10_000);
        ImageDataset test = Read(info, CifarLayout.Cifar10, [Path.Combine(batchesDirectory, "test_batch.bin")], 10_000);
        return new DatasetSplits(train, test);
    }

    /// <summary>
    /// Reads CIFAR-100 (fine labels) from a folder holding <c>train.bin</c>, <c>test.bin</c>
    /// and optionally <c>fine_label_names.txt</c>.
    /// </summary>
    /// <param name="directory">The <c>cifar-100-binary</c> folder.</param>
    /// <exception cref="DataException">A file is missing, truncated or holds a bad label.</exception>
    public static DatasetSplits ReadCifar100(string directory)
    {
        DatasetInfo info = WithNamesFromFile(DatasetInfo.Cifar100, Path.Combine(directory, "fine_label_names.txt"));
        ImageDataset train = Read(info, CifarLayout.Cifar100Fine, [Path.Combine(directory, "train.bin")], 50_000);
        ImageDataset test = Read(info, CifarLayout.Cifar100Fine, [Path.Combine(directory, "test.bin")], 10_000);
        return new DatasetSplits(train, test);
    }

    /// <summary>Reads and concatenates CIFAR-style binary files.</summary>
    /// <param name="info">Shape and classes; labels must be below its class count.</param>
    /// <param name="layout">The record layout.</param>
    /// <param name="files">The files, read in order.</param>
    /// <param name="recordsPerFile">How many records each file must hold, or null to accept any whole number.</param>
    /// <exception cref="DataException">A file is missing, has a size that is not the expected number of records, or holds a bad label.</exception>
    public static ImageDataset Read(DatasetInfo info, CifarLayout layout, IReadOnlyList<string> files, int? recordsPerFile)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(files);
        if (layout.PixelsPerImage != info.PixelsPerImage || layout.LabelIndex >= layout.LabelBytes)
        {
            throw new DataException($"{info.DisplayName}: record layout {layout} does not fit images of {info.Channels}x{info.Height}x{info.Width}");
        }

        var counts = new int[files.Count];
        long total = 0;
        for (int f = 0; f < files.Count; f++)
        {
            counts[f] = CountRecords(files[f], layout, recordsPerFile);
            total += counts[f];
        }

        if (total * layout.PixelsPerImage > Array.MaxLength)
        {
            throw new DataException($"{info.DisplayName}: {total} images do not fit in one array");
        }

        var pixels = new byte[total * layout.PixelsPerImage];
        var labels = new int[total];
        int offset = 0;
        for (int f = 0; f < files.Count; f++)
        {
            ReadRecords(files[f], layout, info.ClassCount, counts[f], pixels, labels, offset);
            offset += counts[f];
        }

        return new ImageDataset(info, pixels, labels);
    }

    private static int CountRecords(string path, CifarLayout layout, int? expected)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new DataException($"CIFAR file '{path}' is missing");
        }

        long length = file.Length;
        if (length % layout.RecordSize != 0 || (expected is int n && length != (long)n * layout.RecordSize))
        {
            string wanted = expected is int e ? $"{(long)e * layout.RecordSize} bytes ({e} records of {layout.RecordSize})" : $"a multiple of {layout.RecordSize} bytes";
            throw new DataException($"CIFAR file '{path}' has {length} bytes, expected {wanted}: it is truncated or not a CIFAR file");
        }

        return checked((int)(length / layout.RecordSize));
    }

    private static void ReadRecords(string path, CifarLayout layout, int classCount, int count, byte[] pixels, int[] labels, int offset)
    {
        const int RecordsPerChunk = 1000;
        int recordSize = layout.RecordSize;
        int imageSize = layout.PixelsPerImage;
        var chunk = new byte[RecordsPerChunk * recordSize];
        Io.UserFile.RequireReadable(path, "data file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            for (int start = 0; start < count; start += RecordsPerChunk)
            {
                int n = Math.Min(RecordsPerChunk, count - start);
                stream.ReadExactly(chunk, 0, n * recordSize);
                for (int r = 0; r < n; r++)
                {
                    var record = chunk.AsSpan(r * recordSize, recordSize);
                    int label = record[layout.LabelIndex];
                    if (label >= classCount)
                    {
                        throw new DataException($"CIFAR file '{path}': record {start + r} has label {label}, expected 0..{classCount - 1}");
                    }

                    int index = offset + start + r;
                    labels[index] = label;
                    record[layout.LabelBytes..].CopyTo(pixels.AsSpan(index * imageSize, imageSize));
                }
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new DataException($"CIFAR file '{path}' ended early: it is truncated", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot read CIFAR file '{path}': {ex.Message}", ex);
        }
    }

    private static DatasetInfo WithNamesFromFile(DatasetInfo info, string namesFile)
    {
        if (!File.Exists(namesFile))
        {
            return info;
        }

        Io.UserFile.RequireReadable(namesFile, "class-name file");
        string[] names = [.. File.ReadAllLines(namesFile).Select(l => l.Trim()).Where(l => l.Length > 0)];
        if (names.Length != info.ClassCount)
        {
            throw new DataException($"class-name file '{namesFile}' lists {names.Length} names, expected {info.ClassCount}");
        }

        return info.WithClassNames(names);
    }
}
