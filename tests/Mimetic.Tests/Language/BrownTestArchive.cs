using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Mimetic.Data;

namespace Mimetic.Tests.Language;

/// <summary>Small Brown-layout tarballs made in the tests (documents under <c>package/</c>, as in the npm package).</summary>
internal static class BrownTestArchive
{
    /// <summary>A tagged document whose words are "Doc", its name, "words" and ".".</summary>
    public static string Tagged(string name) => $"\n\n\tDoc/np {name}/cd words/nns ./.\n\n";

    /// <summary>Documents ca01…ca12 and cb01…cb03, each <see cref="Tagged"/>.</summary>
    public static IReadOnlyList<(string Name, string Text)> TwoGenres { get; } =
    [
        .. Enumerable.Range(1, 12).Select(i => string.Create(CultureInfo.InvariantCulture, $"ca{i:D2}"))
            .Concat(Enumerable.Range(1, 3).Select(i => string.Create(CultureInfo.InvariantCulture, $"cb{i:D2}")))
            .Select(name => (name, Tagged(name))),
    ];

    /// <summary>Writes the documents (in the given order) as a .tgz with <c>package/</c> names, plus a cats.txt.</summary>
    public static string Write(string path, IEnumerable<(string Name, string Text)> documents)
    {
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
        {
            foreach (var (name, text) in documents.Append(("cats.txt", "ca01 news\n")))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"package/{name}") { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) });
            }
        }

        return path;
    }

    /// <summary>A spec that accepts exactly the archive at <paramref name="path"/> (by its SHA-256) and expects <paramref name="names"/>.</summary>
    public static ArchiveSpec Spec(string path, IEnumerable<string> names)
    {
        var bytes = File.ReadAllBytes(path);
        return new ArchiveSpec(
            "Test Brown", Path.GetFileName(path), new Uri($"https://example.invalid/{Path.GetFileName(path)}"),
            new string('0', 32), [Convert.ToHexStringLower(SHA256.HashData(bytes))], "test-brown",
            [.. names.Select(n => new ArchiveMember($"package/{n}", null))]);
    }
}
