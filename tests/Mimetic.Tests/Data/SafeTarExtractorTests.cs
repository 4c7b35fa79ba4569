using System.Formats.Tar;
using System.IO.Compression;
using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class SafeTarExtractorTests : IDisposable
{
    private static readonly ArchiveMember[] Members =
    [
        new("set/a.bin", 5),
        new("set/b.txt", null),
    ];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ExtractsOnlyTheExpectedMembersAndIsIdempotent()
    {
        string archive = MakeArchive(
            _temp.Combine("good.tar.gz"),
            Dir("set/"),
            File("./set/a.bin", [1, 2, 3, 4, 5]),
            File("set/b.txt", "hello"u8.ToArray()),
            File("set/unexpected.bin", [9]));
        string target = _temp.Combine("cache", "set-x");

        Assert.True(SafeTarExtractor.Extract(archive, target, Members));
        Assert.Equal([1, 2, 3, 4, 5], System.IO.File.ReadAllBytes(Path.Combine(target, "set", "a.bin")));
        Assert.Equal("hello", System.IO.File.ReadAllText(Path.Combine(target, "set", "b.txt")));
        Assert.False(System.IO.File.Exists(Path.Combine(target, "set", "unexpected.bin")));
        Assert.True(SafeTarExtractor.IsComplete(target, Members));

        Assert.False(SafeTarExtractor.Extract(archive, target, Members));
        Assert.Single(Directory.GetDirectories(_temp.Combine("cache")));
    }

    [Fact]
    public void ReExtractsWhenAFileChangedSize()
    {
        string archive = MakeArchive(_temp.Combine("good.tar.gz"), File("set/a.bin", [1, 2, 3, 4, 5]), File("set/b.txt", [65]));
        string target = _temp.Combine("cache", "set-x");
        SafeTarExtractor.Extract(archive, target, Members);
        System.IO.File.WriteAllBytes(Path.Combine(target, "set", "a.bin"), [1, 2]);

        Assert.False(SafeTarExtractor.IsComplete(target, Members));
        Assert.True(SafeTarExtractor.Extract(archive, target, Members));
        Assert.Equal(5, new FileInfo(Path.Combine(target, "set", "a.bin")).Length);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("set/../../x")]
    [InlineData("/tmp/mimetic-evil-x")]
    public void RefusesEntriesThatEscapeTheTarget(string evilName)
    {
        string archive = MakeArchive(_temp.Combine("evil.tar.gz"), File(evilName, [1]), File("set/a.bin", [1, 2, 3, 4, 5]), File("set/b.txt", [65]));
        string target = _temp.Combine("cache", "set-x");

        var error = Assert.Throws<DataException>(() => SafeTarExtractor.Extract(archive, target, Members));

        Assert.Contains(evilName, error.Message, StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(_temp.Combine("cache", "x")));
        Assert.False(System.IO.File.Exists(_temp.Combine("x")));
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetDirectories(_temp.Combine("cache")));
    }

    [Fact]
    public void RefusesAMemberThatIsALink()
    {
        var link = new PaxTarEntry(TarEntryType.SymbolicLink, "set/a.bin") { LinkName = "/etc/passwd" };
        string archive = MakeArchive(_temp.Combine("link.tar.gz"), link, File("set/b.txt", [65]));

        var error = Assert.Throws<DataException>(() => SafeTarExtractor.Extract(archive, _temp.Combine("cache", "set-x"), Members));

        Assert.Contains("SymbolicLink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportsMissingMembersAndLeavesNothingBehind()
    {
        string archive = MakeArchive(_temp.Combine("partial.tar.gz"), File("set/a.bin", [1, 2, 3, 4, 5]));
        string target = _temp.Combine("cache", "set-x");

        var error = Assert.Throws<DataException>(() => SafeTarExtractor.Extract(archive, target, Members));

        Assert.Contains("set/b.txt", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(_temp.Combine("cache")));
    }

    [Fact]
    public void RefusesAMemberOfTheWrongSize()
    {
        string archive = MakeArchive(_temp.Combine("size.tar.gz"), File("set/a.bin", [1, 2, 3]), File("set/b.txt", [65]));

        var error = Assert.Throws<DataException>(() => SafeTarExtractor.Extract(archive, _temp.Combine("cache", "set-x"), Members));

        Assert.Contains("expected 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesATruncatedArchive()
    {
        string archive = MakeArchive(_temp.Combine("whole.tar.gz"), File("set/a.bin", [1, 2, 3, 4, 5]), File("set/b.txt", new byte[100_000]));
        byte[] bytes = System.IO.File.ReadAllBytes(archive);
        string truncated = _temp.Combine("truncated.tar.gz");
        System.IO.File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);

        Assert.Throws<DataException>(() => SafeTarExtractor.Extract(truncated, _temp.Combine("cache", "set-x"), Members));
        Assert.Empty(Directory.GetDirectories(_temp.Combine("cache")));
    }

    [Fact]
    public void AVerifierCanRejectTheArchiveBeforeAnythingAppears()
    {
        string archive = MakeArchive(_temp.Combine("good.tar.gz"), File("set/a.bin", [1, 2, 3, 4, 5]), File("set/b.txt", [65]));
        var spec = new ArchiveSpec(
            "Test", "good.tar.gz", new Uri("https://example.invalid/good.tar.gz"), "00000000000000000000000000000000", [], "set-x",
            [new("set/a.bin", 5, "11111111111111111111111111111111"), new("set/b.txt", null)]);
        string target = _temp.Combine("cache", "set-x");

        var error = Assert.Throws<DataException>(() =>
            SafeTarExtractor.Extract(archive, target, spec.Members, (hashes, md5) => spec.Verify(archive, hashes, md5)));

        Assert.Contains("set/a.bin fails its MD5 check", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetDirectories(_temp.Combine("cache")));
    }

    [Fact]
    public void AcceptsAnArchiveByItsMemberChecksums()
    {
        string archive = MakeArchive(_temp.Combine("good.tar.gz"), File("set/a.bin", [1, 2, 3, 4, 5]), File("set/b.txt", [65]));
        var spec = new ArchiveSpec(
            "Test", "good.tar.gz", new Uri("https://example.invalid/good.tar.gz"), "00000000000000000000000000000000", [], "set-x",
            [new("set/a.bin", 5, "7cfdd07889b3295d6a550914ab35e068"), new("set/b.txt", null)]);

        Assert.True(SafeTarExtractor.Extract(archive, _temp.Combine("cache", "set-x"), spec.Members, (hashes, md5) => spec.Verify(archive, hashes, md5)));
    }

    [Theory]
    [InlineData("a/b.bin", "a/b.bin")]
    [InlineData("./a/b.bin", "a/b.bin")]
    [InlineData("a/", "a")]
    public void NormalisesNames(string raw, string expected) => Assert.Equal(expected, SafeTarExtractor.NormaliseName(raw));

    private static PaxTarEntry File(string name, byte[] data) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };

    private static PaxTarEntry Dir(string name) => new(TarEntryType.Directory, name);

    private static string MakeArchive(string path, params TarEntry[] entries)
    {
        using (var file = System.IO.File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            foreach (TarEntry entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return path;
    }
}
