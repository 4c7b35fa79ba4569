using System.Buffers.Binary;
using System.IO.Compression;

namespace Mimetic.Data;

/// <summary>
/// Reads Fashion-MNIST from its gzip-compressed IDX files, checking magic numbers, dimensions, sizes and labels.
/// The images become a one-channel 28×28 <see cref="ImageDataset"/>.
/// </summary>
public static class FashionMnistReader
{
    /// <summary>The training images file name.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";

    /// <summary>The training labels file name.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";

    /// <summary>The test images file name.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";

    /// <summary>The test labels file name.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    private const byte UnsignedByteType = 0x08;

    /// <summary>The official download folder (the Fashion-MNIST repository).</summary>
    internal static Uri Source { get; } = new("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/");

    /// <summary>
    /// Known-good checksums per file: the MD5 of the official .gz file, and the MD5 of its decompressed content
    /// (other packagings, such as Debian's, recompress the same content).
    /// </summary>
    internal static IReadOnlyDictionary<string, (string GzipMd5, string ContentMd5)> KnownChecksums { get; } =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            [TrainImagesFile] = ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
            [TrainLabelsFile] = ("25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9"),
            [TestImagesFile] = ("bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"),
            [TestLabelsFile] = ("bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965"),
        };

    /// <summary>All four file names.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>
    /// Reads the training and test parts from a folder holding the four official .gz files, and checks each
    /// file against the known-good checksums.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <exception cref="DataException">A file is missing, malformed or fails its checksum.</exception>
    public static DatasetSplits Read(string directory)
    {
        ImageDataset train = ReadSplit(Path.Combine(directory, TrainImagesFile), Path.Combine(directory, TrainLabelsFile), verifyChecksums: true);
        ImageDataset test = ReadSplit(Path.Combine(directory, TestImagesFile), Path.Combine(directory, TestLabelsFile), verifyChecksums: true);
        return new DatasetSplits(train, test);
    }

    /// <summary>Reads one part (images + labels) from two gzip-compressed IDX files.</summary>
    /// <param name="imagesPath">An idx3-ubyte.gz file of N×28×28 images.</param>
    /// <param name="labelsPath">An idx1-ubyte.gz file of N labels below 10.</param>
    /// <param name="verifyChecksums">Whether to require the known-good checksums of the official files.</param>
    /// <exception cref="DataException">A file is missing, malformed, inconsistent or (when checked) fails its checksum.</exception>
    public static ImageDataset ReadSplit(string imagesPath, string labelsPath, bool verifyChecksums = false)
    {
        DatasetInfo info = DatasetInfo.FashionMnist;
        (int[] imageDims, byte[] pixels) = ReadIdx(imagesPath, 3, verifyChecksums);
        (int[] labelDims, byte[] labelBytes) = ReadIdx(labelsPath, 1, verifyChecksums);
        if (imageDims[1] != info.Height || imageDims[2] != info.Width)
        {
            throw new DataException($"IDX file '{imagesPath}' holds {imageDims[1]}x{imageDims[2]} images, expected {info.Height}x{info.Width}");
        }

        if (labelDims[0] != imageDims[0])
        {
            throw new DataException($"IDX files '{imagesPath}' and '{labelsPath}' disagree: {imageDims[0]} images but {labelDims[0]} labels");
        }

        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= info.ClassCount)
            {
                throw new DataException($"IDX file '{labelsPath}': label {i} is {labels[i]}, expected 0..{info.ClassCount - 1}");
            }
        }

        return new ImageDataset(info, pixels, labels);
    }

    /// <summary>Reads a gzip-compressed IDX file of unsigned bytes with the given number of dimensions.</summary>
    internal static (int[] Dims, byte[] Data) ReadIdx(string path, int dimensionCount, bool verifyChecksum)
    {
        if (!File.Exists(path))
        {
            throw new DataException($"IDX file '{path}' is missing");
        }

        Io.UserFile.RequireReadable(path, "data file");
        try
        {
            using var compressed = new HashingReadStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
            using var content = new HashingReadStream(new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true));
            Span<byte> header = stackalloc byte[4];
            content.ReadExactly(header);
            if (header[0] != 0 || header[1] != 0 || header[2] != UnsignedByteType || header[3] != dimensionCount)
            {
                throw new DataException(
                    $"IDX file '{path}' has magic number 0x{BinaryPrimitives.ReadInt32BigEndian(header):X8}, expected 0x{0x800 | dimensionCount:X8} (unsigned bytes, {dimensionCount} dimensions)");
            }

            var dims = new int[dimensionCount];
            long total = 1;
            for (int d = 0; d < dimensionCount; d++)
            {
                content.ReadExactly(header);
                dims[d] = BinaryPrimitives.ReadInt32BigEndian(header);
                if (dims[d] <= 0)
                {
                    throw new DataException($"IDX file '{path}' has dimension {d} of size {dims[d]}");
                }

                total *= dims[d];
                if (total > Array.MaxLength)
                {
                    throw new DataException($"IDX file '{path}' declares more data than fits in memory");
                }
            }

            var data = new byte[total];
            content.ReadExactly(data);
            if (content.Read(header) != 0)
            {
                throw new DataException($"IDX file '{path}' has bytes after the {total} its header declares");
            }

            FileHashes contentHashes = content.Finish();
            FileHashes gzipHashes = compressed.Finish();
            if (verifyChecksum)
            {
                VerifyChecksum(path, gzipHashes, contentHashes);
            }

            return (dims, data);
        }
        catch (EndOfStreamException ex)
        {
            throw new DataException($"IDX file '{path}' is truncated", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new DataException($"IDX file '{path}' is not valid gzip data: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot read IDX file '{path}': {ex.Message}", ex);
        }
    }

    private static void VerifyChecksum(string path, FileHashes gzip, FileHashes content)
    {
        string name = Path.GetFileName(path);
        if (!KnownChecksums.TryGetValue(name, out var known))
        {
            throw new DataException($"IDX file '{path}' is not one of the Fashion-MNIST files ({string.Join(", ", FileNames)})");
        }

        if (!string.Equals(gzip.Md5, known.GzipMd5, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(content.Md5, known.ContentMd5, StringComparison.OrdinalIgnoreCase))
        {
            throw new DataException(
                $"Fashion-MNIST file '{path}' fails its checksum (MD5 {gzip.Md5}, expected {known.GzipMd5}); delete it and place the official file from {Source}{name} there");
        }
    }
}
