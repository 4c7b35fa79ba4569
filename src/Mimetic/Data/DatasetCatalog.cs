namespace Mimetic.Data;

/// <summary>
/// The entry point for trainers: data sets by name (<c>cifar10</c>, <c>cifar100</c>, <c>fashion-mnist</c>),
/// found on disk (see <see cref="DatasetLocator"/>) or downloaded, verified, and cached so the next load is fast.
/// </summary>
/// <remarks>
/// CIFAR archives are verified (official MD5, known-good SHA-256, or member MD5s) and their members extracted
/// once into the cache folder; later loads read the extracted files after checking that they come from the archive
/// found first in the search order and still have the SHA-256 recorded at extraction (else they are extracted again).
/// Fashion-MNIST's small .gz files are read and verified in place.
/// </remarks>
public static class DatasetCatalog
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts its files.</summary>
    public const string DebianFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The data set names accepted by <see cref="Load(string, DatasetLoadOptions)"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cifar10", "cifar100", "fashion-mnist"];

    /// <summary>
    /// The catalog name for a user-typed name (case-insensitive; <c>cifar-10</c>, <c>fmnist</c> and similar are accepted).
    /// </summary>
    /// <param name="name">A data set name.</param>
    /// <exception cref="DataException">The name is unknown.</exception>
    public static string NormalizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToUpperInvariant().Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        return key switch
        {
            "CIFAR10" => "cifar10",
            "CIFAR100" => "cifar100",
            "FASHIONMNIST" or "FMNIST" => "fashion-mnist",
            _ => throw new DataException($"unknown data set '{name}'; expected one of {string.Join(", ", Names)}"),
        };
    }

    /// <summary>Shape, classes and normalisation statistics of a data set, without reading it.</summary>
    /// <param name="name">A data set name.</param>
    /// <exception cref="DataException">The name is unknown.</exception>
    public static DatasetInfo GetInfo(string name) => NormalizeName(name) switch
    {
        "cifar10" => DatasetInfo.Cifar10,
        "cifar100" => DatasetInfo.Cifar100,
        _ => DatasetInfo.FashionMnist,
    };

    /// <summary>Loads a data set's training and test parts.</summary>
    /// <param name="name">A data set name.</param>
    /// <param name="dataDirectory">A folder to search first (the CLI's <c>--data</c>), or null.</param>
    /// <param name="progress">Receives download progress, if a download is needed.</param>
    /// <exception cref="DataException">The data cannot be found, downloaded, verified or read; the message is one line.</exception>
    public static DatasetSplits Load(string name, string? dataDirectory, IProgress<DownloadProgress>? progress = null) =>
        Load(name, new DatasetLoadOptions { DataDirectory = dataDirectory, Progress = progress });

    /// <summary>Loads a data set's training and test parts.</summary>
    /// <param name="name">A data set name.</param>
    /// <param name="options">Where to look, where to cache, whether to download.</param>
    /// <exception cref="DataException">The data cannot be found, downloaded, verified or read; the message is one line.</exception>
    public static DatasetSplits Load(string name, DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string key = NormalizeName(name);
        DatasetLocator locator = options.Locator ?? new DatasetLocator(options.DataDirectory, options.CacheDirectory);
        return key switch
        {
            "cifar10" => CifarReader.ReadCifar10(Path.Combine(Extracted(ArchiveSpec.Cifar10, locator, options), "cifar-10-batches-bin")),
            "cifar100" => CifarReader.ReadCifar100(Path.Combine(Extracted(ArchiveSpec.Cifar100, locator, options), "cifar-100-binary")),
            _ => FashionMnistReader.Read(FashionMnistDirectory(locator, options)),
        };
    }

    /// <summary>The file name of Tiny Shakespeare (char-rnn's <c>input.txt</c>), the default language-model corpus.</summary>
    public const string TinyShakespeareFile = "tinyshakespeare.txt";

    /// <summary>Where online users get Tiny Shakespeare.</summary>
    public static Uri TinyShakespeareSource { get; } = new("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt");

    /// <summary>MD5 of Tiny Shakespeare (1,115,394 bytes).</summary>
    public const string TinyShakespeareMd5 = "6fb458f1232090904fb40fe944165e91";

    /// <summary>
    /// The path of Tiny Shakespeare: found in the usual folders (see <see cref="DatasetLocator"/>), else downloaded
    /// into the cache. Whichever copy is used must have Tiny Shakespeare's MD5: a damaged copy in the cache is
    /// downloaded again, a different file elsewhere is an error (train on it with <c>--text FILE</c>).
    /// </summary>
    /// <exception cref="DataException">Not found and not downloadable, or not the expected file; the message is one line.</exception>
    public static string LocateTinyShakespeare(DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DatasetLocator locator = options.Locator ?? new DatasetLocator(options.DataDirectory, options.CacheDirectory);
        string cached = Path.Combine(locator.CacheDirectory, TinyShakespeareFile);
        if (locator.FindFile(TinyShakespeareFile) is string found)
        {
            string md5 = Md5Of(found);
            if (string.Equals(md5, TinyShakespeareMd5, StringComparison.Ordinal))
            {
                return found;
            }

            if (!string.Equals(Path.GetFullPath(found), Path.GetFullPath(cached), StringComparison.Ordinal))
            {
                throw new DataException(
                    $"'{found}' is not Tiny Shakespeare (MD5 {md5}, expected {TinyShakespeareMd5}); replace it, or pass it with --text FILE to train on it");
            }

            File.Delete(cached); // a damaged cache copy is fetched again, never read
        }

        return Download("Tiny Shakespeare", TinyShakespeareSource, cached, FileDigest.Md5(TinyShakespeareMd5), $"{TinyShakespeareFile} (or pass --text FILE)", locator, options);
    }

    private static string Md5Of(string path)
    {
        // MD5 only identifies the published file here (its official checksum); it protects against damage, not attack.
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        Io.UserFile.RequireReadable(path, "data file");
        hash.AppendData(File.ReadAllBytes(path));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The cache folder holding the verified, extracted members of an archive. The archive is looked for in the search
    /// order first; the cached extraction is used only if it came from that very archive (or, with no archive anywhere,
    /// from any) and its members still have the SHA-256 recorded when they were written. Otherwise the archive is
    /// extracted anew (downloaded first if it is nowhere): a damaged cache is rebuilt, never read.
    /// </summary>
    internal static string Extracted(ArchiveSpec spec, DatasetLocator locator, DatasetLoadOptions options)
    {
        string destination = Path.Combine(locator.CacheDirectory, spec.CacheFolder);
        string? archive = locator.FindFile(spec.FileName);
        if (SafeTarExtractor.IsComplete(destination, spec.Members, archive))
        {
            return destination;
        }

        archive ??= Download(spec.DisplayName, spec.Source, Path.Combine(locator.CacheDirectory, spec.FileName), spec.DownloadDigest, spec.FileName, locator, options);
        SafeTarExtractor.Extract(archive, destination, spec.Members, (hashes, members) => spec.Verify(archive, hashes, members));
        return destination;
    }

    private static string FashionMnistDirectory(DatasetLocator locator, DatasetLoadOptions options)
    {
        IEnumerable<string> extra = locator.SearchDirectories.Select(d => Path.Combine(d, "fashion-mnist")).Concat(options.SystemFashionMnistDirectories);
        if (locator.FindDirectoryWith(FashionMnistReader.FileNames, extra) is string found)
        {
            return found;
        }

        string target = Path.Combine(locator.CacheDirectory, "fashion-mnist");
        foreach (string file in FashionMnistReader.FileNames)
        {
            string path = Path.Combine(target, file);
            if (!File.Exists(path))
            {
                string what = $"the files {string.Join(", ", FashionMnistReader.FileNames)} (apt-get install dataset-fashion-mnist puts them in {DebianFashionMnistDirectory})";
                Download("Fashion-MNIST", new Uri(FashionMnistReader.Source, file), path, FileDigest.Md5(FashionMnistReader.KnownChecksums[file].GzipMd5), what, locator, options);
            }
        }

        return target;
    }

    private static string Download(
        string displayName,
        Uri source,
        string destination,
        FileDigest digest,
        string whatToPlace,
        DatasetLocator locator,
        DatasetLoadOptions options)
    {
        string looked = $"{displayName}: {Path.GetFileName(destination)} not found (looked in {locator.DescribeSearch()})";
        string advice = $"place {whatToPlace} in one of those folders or pass --data DIR";
        if (!options.DownloadsAllowed)
        {
            throw new DataException($"{looked} and downloads are off; {advice}");
        }

        try
        {
            using var downloader = new DatasetDownloader(options.HttpClient);
            downloader.DownloadAsync(source, destination, digest, options.Progress).GetAwaiter().GetResult();
            return destination;
        }
        catch (DataException ex)
        {
            throw new DataException($"{looked} and {ex.Message}; {advice}", ex);
        }
    }
}
