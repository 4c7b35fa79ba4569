using System.Text;

namespace Mimetic.Language;

/// <summary>
/// Word-level tokens for the Brown corpus: id 0 is <c>&lt;unk&gt;</c> (any word outside the vocabulary), id 1 is
/// <c>&lt;eod&gt;</c> (the end of a document), then the <see cref="DefaultSize"/> most frequent words of the training
/// documents, most frequent first, ties in ordinal (code-unit) order. Words are Brown's own tokens, case kept (see
/// <see cref="BrownText"/>). The vocabulary is saved with the run (<c>tokenizer.json</c>).
/// </summary>
public sealed class WordTokenizer : ITextTokenizer
{
    /// <summary>The kind name.</summary>
    public const string KindName = "word";

    /// <summary>The unknown-word token (id 0).</summary>
    public const string Unknown = "<unk>";

    /// <summary>The end-of-document token (id 1).</summary>
    public const string EndOfDocument = "<eod>";

    /// <summary>Words in the vocabulary besides the two special tokens.</summary>
    public const int DefaultSize = 10_000;

    private static readonly string[] Openers = ["(", "[", "{"];
    private static readonly string[] Closers = [",", ".", ";", ":", "!", "?", ")", "]", "}", "'"];

    private readonly Dictionary<string, int> ids;

    /// <summary>A tokenizer over the given symbols, id = position; the first two must be <c>&lt;unk&gt;</c> and <c>&lt;eod&gt;</c>.</summary>
    /// <exception cref="ArgumentException">Missing special tokens, an empty or spaced word, or a repeated one.</exception>
    public WordTokenizer(IReadOnlyList<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        if (symbols.Count < 3 || symbols[0] != Unknown || symbols[1] != EndOfDocument)
        {
            throw new ArgumentException($"A word vocabulary starts with {Unknown} and {EndOfDocument} and holds at least one word.");
        }

        Symbols = symbols;
        ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < symbols.Count; i++)
        {
            if (string.IsNullOrEmpty(symbols[i]) || symbols[i].Any(char.IsWhiteSpace) || !ids.TryAdd(symbols[i], i))
            {
                throw new ArgumentException($"Word vocabulary entry {i} ('{symbols[i]}') is empty, holds a space or repeats an earlier one.");
            }
        }
    }

    /// <summary>The vocabulary: the symbol of each id.</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public int VocabSize => Symbols.Count;

    /// <summary>Id of <c>&lt;unk&gt;</c>.</summary>
    public static int UnknownId => 0;

    /// <summary>Id of <c>&lt;eod&gt;</c>.</summary>
    public static int EndOfDocumentId => 1;

    /// <summary>
    /// The vocabulary of the <paramref name="size"/> most frequent of <paramref name="trainingWords"/> (ties in
    /// ordinal order), after <c>&lt;unk&gt;</c> and <c>&lt;eod&gt;</c>.
    /// </summary>
    public static WordTokenizer Build(IEnumerable<string> trainingWords, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(trainingWords);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var word in trainingWords)
        {
            if (word is not (Unknown or EndOfDocument))
            {
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        var words = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(size).Select(c => c.Key);
        return new WordTokenizer([Unknown, EndOfDocument, .. words]);
    }

    /// <summary>The id of one word (Brown's tokenization), <see cref="UnknownId"/> if it is not in the vocabulary.</summary>
    public int IdOf(string word) => ids.GetValueOrDefault(word, UnknownId);

    /// <summary>The ids of documents' words, each document followed by <c>&lt;eod&gt;</c>.</summary>
    public int[] EncodeDocuments(IEnumerable<IEnumerable<string>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var result = new List<int>();
        foreach (var document in documents)
        {
            result.AddRange(document.Select(IdOf));
            result.Add(EndOfDocumentId);
        }

        return [.. result];
    }

    /// <summary>
    /// The ids of free text such as a prompt: split at white space; a piece that is not a word of the vocabulary
    /// loses a leading <c>( [ {</c> or <c>"</c> (an opening quote) or a trailing <c>, . ; : ! ? ) ] } '</c> or <c>"</c>
    /// (a closing quote), one at a time, until what is left is a word or <c>&lt;unk&gt;</c>; a lone <c>"</c> opens
    /// and closes in turn. <see cref="BrownText"/>'s readable text encodes back to its words when they are in the vocabulary.
    /// </summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<int>();
        var quoteOpen = false;
        foreach (var piece in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (piece == "\"")
            {
                result.Add(IdOf(quoteOpen ? BrownText.CloseQuote : BrownText.OpenQuote));
                quoteOpen = !quoteOpen;
                continue;
            }

            EncodePiece(piece, result, ref quoteOpen);
        }

        return [.. result];
    }

    /// <summary>Readable text (see <see cref="BrownText.Join"/>); <c>&lt;eod&gt;</c> ends a document with a blank line.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var words = new List<string>();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabSize)
            {
                throw new ArgumentException($"Token id {id} is outside the {VocabSize}-word vocabulary.");
            }

            if (id == EndOfDocumentId)
            {
                text.Append(BrownText.Join(words)).Append("\n\n");
                words.Clear();
            }
            else
            {
                words.Add(Symbols[id]);
            }
        }

        return text.Append(BrownText.Join(words)).ToString();
    }

    private void EncodePiece(string piece, List<int> result, ref bool quoteOpen)
    {
        if (piece.Length == 0)
        {
            return;
        }

        if (ids.TryGetValue(piece, out var id))
        {
            result.Add(id);
            return;
        }

        if (piece.Length > 1 && (piece[0] == '"' || Openers.Contains(piece[..1])))
        {
            var opener = piece[0] == '"' ? BrownText.OpenQuote : piece[..1];
            quoteOpen |= piece[0] == '"';
            result.Add(IdOf(opener));
            EncodePiece(piece[1..], result, ref quoteOpen);
            return;
        }

        if (piece.Length > 1 && (piece[^1] == '"' || Closers.Contains(piece[^1..])))
        {
            EncodePiece(piece[..^1], result, ref quoteOpen);
            if (piece[^1] == '"')
            {
                quoteOpen = false;
            }

            result.Add(IdOf(piece[^1] == '"' ? BrownText.CloseQuote : piece[^1..]));
            return;
        }

        result.Add(UnknownId);
    }
}
