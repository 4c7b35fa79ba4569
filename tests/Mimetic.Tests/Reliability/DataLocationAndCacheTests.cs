using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Mimetic.Data;
using Mimetic.Language;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Class 4 of issue 13: data locations follow the documented order, a named location that is missing is an error,
/// and caches are checked (length and SHA-256) before they are used: a damaged cache is rebuilt, never read.
/// </summary>
public sealed class DataLocationAndCacheTests : IDisposable
{
    private static readonly ArchiveMember[] Members = [new("set/a.bin", 5), new("set/b.txt", null)];

    private readonly string root = Directory.CreateTempSubdirectory("mimetic-data-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void AMissingMimeticDataFolderIsAnErrorThatNamesIt()
    {
        var missing = Path.Combine(root, "nonexistent");

        var error = Assert.Throws<DataException>(() => new DatasetLocator(null, null, root, root, k => k == "MIMETIC_DATA" ? missing : null));

        Assert.Equal($"data folder '{missing}' (named by $MIMETIC_DATA) does not exist", error.Message);

        var file = Path.Combine(root, "file");
        File.WriteAllText(file, "");
        Assert.Equal(
            $"data folder '{file}' (given with --data) is a file, not a folder",
            Assert.Throws<DataException>(() => new DatasetLocator(file, null, root, root, _ => null)).Message);
    }

    [Fact]
    public void AMissingMimeticDataFolderStopsTheCommandLineBeforeAnyRun()
    {
        var text = Path.Combine(root, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("to be or not to be ", 500)));
        var run = Path.Combine(root, "run");
        var missing = Path.Combine(root, "nonexistent");
        var previous = Environment.GetEnvironmentVariable(DatasetLocator.DataEnvironmentVariable);
        Environment.SetEnvironmentVariable(DatasetLocator.DataEnvironmentVariable, missing);
        CliResult result;
        try
        {
            result = CliRunner.Run("lm-train", "--text", text, "--model", "gpt-micro", "--steps", "1", "--warmup", "0", "--out", run);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DatasetLocator.DataEnvironmentVariable, previous);
        }

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: data folder '{missing}' (named by $MIMETIC_DATA) does not exist", Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void DataIsHonouredEvenWhenTheCacheHoldsAnExtraction()
    {
        var cache = Path.Combine(root, "cache");
        var mine = Path.Combine(root, "mine");
        Directory.CreateDirectory(cache);
        Directory.CreateDirectory(mine);
        var cached = MakeArchive(Path.Combine(cache, "set.tar.gz"), [1, 1, 1, 1, 1]);
        var given = MakeArchive(Path.Combine(mine, "set.tar.gz"), [2, 2, 2, 2, 2]);
        var spec = Spec(cached, given);
        var none = new DatasetLoadOptions { AllowDownload = false };

        var fromCache = DatasetCatalog.Extracted(spec, new DatasetLocator(null, cache, root, root, _ => null), none);
        Assert.Equal([1, 1, 1, 1, 1], File.ReadAllBytes(Path.Combine(fromCache, "set", "a.bin")));

        var fromData = DatasetCatalog.Extracted(spec, new DatasetLocator(mine, cache, root, root, _ => null), none);
        Assert.Equal(fromCache, fromData);
        Assert.Equal([2, 2, 2, 2, 2], File.ReadAllBytes(Path.Combine(fromData, "set", "a.bin")));
    }

    [Fact]
    public void AFlippedByteInACachedExtractionIsCaughtAndRebuilt()
    {
        var cache = Path.Combine(root, "cache");
        Directory.CreateDirectory(cache);
        var archive = MakeArchive(Path.Combine(cache, "set.tar.gz"), [1, 2, 3, 4, 5]);
        var spec = Spec(archive);
        var locator = new DatasetLocator(null, cache, root, root, _ => null);
        var folder = DatasetCatalog.Extracted(spec, locator, new DatasetLoadOptions { AllowDownload = false });
        var member = Path.Combine(folder, "set", "a.bin");
        var stamp = File.GetLastWriteTimeUtc(member);
        File.WriteAllBytes(member, [1, 2, 99, 4, 5]);
        File.SetLastWriteTimeUtc(member, stamp);

        Assert.False(SafeTarExtractor.IsComplete(folder, spec.Members));
        DatasetCatalog.Extracted(spec, locator, new DatasetLoadOptions { AllowDownload = false });

        Assert.Equal([1, 2, 3, 4, 5], File.ReadAllBytes(member));
        Assert.True(SafeTarExtractor.IsComplete(folder, spec.Members, archive));
    }

    [Fact]
    public void ADamagedCacheWithNoSourceIsAnErrorNotData()
    {
        var cache = Path.Combine(root, "cache");
        Directory.CreateDirectory(cache);
        var archive = MakeArchive(Path.Combine(cache, "set.tar.gz"), [1, 2, 3, 4, 5]);
        var spec = Spec(archive);
        var locator = new DatasetLocator(null, cache, root, root, _ => null);
        var folder = DatasetCatalog.Extracted(spec, locator, new DatasetLoadOptions { AllowDownload = false });
        File.Delete(archive);
        File.WriteAllBytes(Path.Combine(folder, "set", "a.bin"), [1, 2, 3, 4, 0]);

        var error = Assert.Throws<DataException>(() => DatasetCatalog.Extracted(spec, locator, new DatasetLoadOptions { AllowDownload = false }));

        Assert.Contains("set.tar.gz not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("downloads are off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedTokenCacheIsNeverTrainedOn()
    {
        var text = Path.Combine(root, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("It is the east, and Juliet is the sun.\n", 200)));
        var cache = Path.Combine(root, "cache");
        var first = LanguageCorpus.Load(text, CharTokenizer.KindName, 0.9, cache);
        var bytes = File.ReadAllBytes(first.CachePath);
        File.WriteAllBytes(first.CachePath, bytes[..(bytes.Length * 45 / 100 / 4 * 4)]);

        var second = LanguageCorpus.Load(text, CharTokenizer.KindName, 0.9, cache);

        Assert.False(second.FromCache);
        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Validation, second.Validation);
        Assert.True(LanguageCorpus.Load(text, CharTokenizer.KindName, 0.9, cache).FromCache, "the rebuilt cache is used next time");
        Assert.Equal(bytes, File.ReadAllBytes(first.CachePath));
    }

    [Fact]
    public void AFlippedByteInTheTokenCacheIsCaught()
    {
        var text = Path.Combine(root, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("abcd efgh\n", 300)));
        var cache = Path.Combine(root, "cache");
        var first = LanguageCorpus.Load(text, CharTokenizer.KindName, 0.9, cache);
        var bytes = File.ReadAllBytes(first.CachePath);
        bytes[^8] ^= 1; // the next-to-last id, h → g: still inside the vocabulary, so only the hash can tell
        File.WriteAllBytes(first.CachePath, bytes);

        Assert.Null(TokenCache.Read(first.CachePath, first.Tokenizer.VocabSize));
        var second = LanguageCorpus.Load(text, CharTokenizer.KindName, 0.9, cache);
        Assert.False(second.FromCache);
        Assert.Equal(first.Train, second.Train);
    }

    [SkippableFact]
    public void ADamagedTinyShakespeareIsNeverUsed()
    {
        var mine = Path.Combine(root, "mine");
        var cache = Path.Combine(root, "cache");
        Directory.CreateDirectory(mine);
        Directory.CreateDirectory(cache);
        var real = RealData.TinyShakespeare();
        var truncated = File.ReadAllBytes(real)[..500_000];
        var offline = new DatasetLoadOptions { AllowDownload = false };

        File.WriteAllBytes(Path.Combine(mine, DatasetCatalog.TinyShakespeareFile), truncated);
        var elsewhere = Assert.Throws<DataException>(() => DatasetCatalog.LocateTinyShakespeare(offline with { DataDirectory = mine, CacheDirectory = cache }));
        Assert.StartsWith($"'{Path.Combine(mine, DatasetCatalog.TinyShakespeareFile)}' is not Tiny Shakespeare (MD5 ", elsewhere.Message, StringComparison.Ordinal);

        File.WriteAllBytes(Path.Combine(cache, DatasetCatalog.TinyShakespeareFile), truncated);
        var onlyTheCache = offline with { Locator = new DatasetLocator(null, cache, root, root, _ => null) };
        var inCache = Assert.Throws<DataException>(() => DatasetCatalog.LocateTinyShakespeare(onlyTheCache));
        Assert.Contains("downloads are off", inCache.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cache, DatasetCatalog.TinyShakespeareFile)), "the damaged cache copy is removed");
    }

    private static ArchiveSpec Spec(params string[] goodArchives) => new(
        "Test", "set.tar.gz", new Uri("https://example.invalid/set.tar.gz"), "00000000000000000000000000000000",
        [.. goodArchives.Select(a => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(a))))], "set-x", Members);

    private static string MakeArchive(string path, byte[] a)
    {
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "set/a.bin") { DataStream = new MemoryStream(a) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "set/b.txt") { DataStream = new MemoryStream("names"u8.ToArray()) });
        }

        return path;
    }
}
