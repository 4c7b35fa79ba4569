using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mimetic.Data;

/// <summary>How an image folder becomes a dataset.</summary>
/// <param name="ImageSize">Side of the square images (shorter side resized, centre crop).</param>
/// <param name="ValidationFraction">Without PATH/train and PATH/val: the share of each class held out for evaluation.</param>
/// <param name="SplitSeed">The seed of that stratified split.</param>
/// <param name="CacheDirectory">Where decoded images are cached, or null for <see cref="DatasetLocator.DefaultCacheDirectory"/>.</param>
public sealed record ImageFolderOptions(int ImageSize = 32, double ValidationFraction = 0.1, long SplitSeed = 0, string? CacheDirectory = null)
{
    /// <summary>Throws <see cref="ArgumentException"/> for options that cannot work.</summary>
    public void Validate()
    {
        if (ImageSize is < 4 or > 1024)
        {
            throw new ArgumentException($"--image-size must be between 4 and 1024, not {ImageSize}.");
        }

        if (!(ValidationFraction > 0 && ValidationFraction < 1))
        {
            throw new ArgumentException($"--val-fraction must be between 0 and 1 (exclusive), not {ValidationFraction.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}

/// <summary>
/// A dataset of your own images in torchvision's ImageFolder layout: one subfolder per class (named by it; classes in
/// ordinal name order), images anywhere under it (PNG, JPEG, BMP, GIF, WebP; other files ignored). With PATH/train and
/// PATH/val, those are the splits; otherwise a seeded split holds out <see cref="ImageFolderOptions.ValidationFraction"/>
/// of every class (at least one image of each class with two or more). Images are prepared by <see cref="ImageFiles"/>
/// (three channels: gray is repeated, alpha dropped). The per-channel mean and std are those of the training split.
/// Decoded pixels are cached under the cache folder, keyed by the files' paths, sizes and modification times and the
/// image size; the cache is used only while its SHA-256 matches the one recorded when it was written.
/// </summary>
public static class ImageFolderDataset
{
    /// <summary>The prefix of a folder dataset's name: <c>folder:PATH</c>.</summary>
    public const string Prefix = "folder:";

    private const int Channels = 3;
    private const string CacheVersion = "image-folder-v1";

    /// <summary>Whether a dataset name names a folder (<c>folder:PATH</c>).</summary>
    public static bool IsFolder(string? dataset) => dataset is not null && dataset.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The folder of a <c>folder:PATH</c> name.</summary>
    /// <exception cref="DataException">No path after the prefix.</exception>
    public static string PathOf(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var path = IsFolder(dataset) ? dataset[Prefix.Length..] : dataset;
        return string.IsNullOrWhiteSpace(path) ? throw new DataException("--dataset folder:PATH needs a folder after 'folder:'") : path;
    }

    /// <summary>Reads the folder's images into training and evaluation splits.</summary>
    /// <exception cref="DataException">No such folder, no class folders, a class without images, or an image that cannot be read (named).</exception>
    public static DatasetSplits Load(string root, ImageFolderOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!Directory.Exists(root))
        {
            throw new DataException($"image folder '{root}' does not exist");
        }

        var trainRoot = Path.Combine(root, "train");
        var valRoot = Path.Combine(root, "val");
        List<string> classes;
        List<(string File, int Label)> train, val;
        if (Directory.Exists(trainRoot) && Directory.Exists(valRoot))
        {
            classes = ClassFolders(trainRoot);
            train = Files(trainRoot, classes, requireEach: true);
            val = Files(valRoot, classes, requireEach: false, known: ClassFolders(valRoot));
        }
        else
        {
            classes = ClassFolders(root);
            (train, val) = Split(Files(root, classes, requireEach: true), classes.Count, options);
        }

        var all = train.Concat(val).ToList();
        var pixels = Decode(root, all, options);
        var perImage = Channels * options.ImageSize * options.ImageSize;
        var trainPixels = pixels.AsSpan(0, train.Count * perImage).ToArray();
        var (mean, std) = Statistics(trainPixels, options.ImageSize * options.ImageSize);
        var info = new DatasetInfo(
            Prefix + root, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))), classes,
            Channels, options.ImageSize, options.ImageSize, mean, std);
        return new DatasetSplits(
            new ImageDataset(info, trainPixels, [.. train.Select(t => t.Label)]),
            new ImageDataset(info, pixels.AsSpan(train.Count * perImage).ToArray(), [.. val.Select(v => v.Label)]));
    }

    /// <summary>Per-channel mean and (population) standard deviation of CHW uint8 images, on a 0–1 scale.</summary>
    internal static (float[] Mean, float[] Std) Statistics(byte[] pixels, int plane)
    {
        var mean = new float[Channels];
        var std = new float[Channels];
        var images = pixels.Length / (Channels * plane);
        for (var c = 0; c < Channels; c++)
        {
            long sum = 0, squares = 0;
            for (var i = 0; i < images; i++)
            {
                foreach (var b in pixels.AsSpan(((i * Channels) + c) * plane, plane))
                {
                    sum += b;
                    squares += b * b;
                }
            }

            var n = (double)images * plane * 255;
            var m = sum / n;
            var variance = Math.Max(0, (squares / (n * 255)) - (m * m));
            mean[c] = (float)m;
            std[c] = (float)Math.Max(Math.Sqrt(variance), 1e-3);   // a constant channel would divide by zero
        }

        return (mean, std);
    }

    private static List<string> ClassFolders(string folder)
    {
        var classes = Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        return classes.Count >= 2
            ? classes
            : throw new DataException($"image folder '{folder}' has {classes.Count} class folder(s); it needs one subfolder per class, at least two");
    }

    private static List<(string File, int Label)> Files(string root, List<string> classes, bool requireEach, List<string>? known = null)
    {
        foreach (var name in known ?? [])
        {
            if (!classes.Contains(name, StringComparer.Ordinal))
            {
                throw new DataException($"'{Path.Combine(root, name)}' is not a class of the training folder ({string.Join(", ", classes.Take(10))})");
            }
        }

        var files = new List<(string, int)>();
        for (var label = 0; label < classes.Count; label++)
        {
            var folder = Path.Combine(root, classes[label]);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            var images = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(ImageFiles.IsImage).Order(StringComparer.Ordinal).ToList();
            if (images.Count == 0 && requireEach)
            {
                throw new DataException($"class folder '{folder}' holds no images ({string.Join(", ", ImageFiles.Extensions)})");
            }

            files.AddRange(images.Select(f => (f, label)));
        }

        return files;
    }

    // Stratified: each class's images shuffled by a seeded generator of its own, the first share held out; order kept.
    private static (List<(string, int)> Train, List<(string, int)> Val) Split(List<(string File, int Label)> files, int classes, ImageFolderOptions options)
    {
        var held = new HashSet<int>();
        for (var c = 0; c < classes; c++)
        {
            int[] members = [.. files.Select((f, i) => (f.Label, i)).Where(p => p.Label == c).Select(p => p.i)];
            var count = members.Length < 2 ? 0 : Math.Clamp((int)Math.Round(members.Length * options.ValidationFraction), 1, members.Length - 1);
            new SplitMix64(SplitMix64.Combine(options.SplitSeed, c, 0x7A1D)).Shuffle(members);
            held.UnionWith(members.Take(count));
        }

        return ([.. files.Where((_, i) => !held.Contains(i))], [.. files.Where((_, i) => held.Contains(i))]);
    }

    private static byte[] Decode(string root, List<(string File, int Label)> files, ImageFolderOptions options)
    {
        var perImage = Channels * options.ImageSize * options.ImageSize;
        var cacheDirectory = Path.Combine(options.CacheDirectory ?? DatasetLocator.DefaultCacheDirectory(), "image-folders");
        var key = CacheKey(files, options.ImageSize);
        var cached = Path.Combine(cacheDirectory, key + ".bin");
        var digest = cached + ".sha256";
        if (File.Exists(cached) && File.Exists(digest) && new FileInfo(cached).Length == (long)files.Count * perImage)
        {
            var bytes = File.ReadAllBytes(cached);
            if (string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), File.ReadAllText(digest).Trim(), StringComparison.Ordinal))
            {
                return bytes;
            }
        }

        if ((long)files.Count * perImage > Array.MaxLength)
        {
            throw new DataException($"image folder '{root}': {files.Count} images of {options.ImageSize}×{options.ImageSize} do not fit in memory at once; use a smaller --image-size");
        }

        var pixels = new byte[files.Count * perImage];
        for (var i = 0; i < files.Count; i++)
        {
            ImageFiles.Load(files[i].File, options.ImageSize, Channels).CopyTo(pixels.AsSpan(i * perImage, perImage));
        }

        try
        {
            Directory.CreateDirectory(cacheDirectory);
            Io.AtomicFile.WriteAllBytes(cached, pixels);
            Io.AtomicFile.WriteAllBytes(digest, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(pixels))));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs the next load its decoding.
        }

        return pixels;
    }

    private static string CacheKey(List<(string File, int Label)> files, int imageSize)
    {
        var text = new StringBuilder(CacheVersion).Append('\n').Append(imageSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (file, label) in files)
        {
            var info = new FileInfo(file);
            text.Append(Path.GetFullPath(file)).Append('\t').Append(label.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
