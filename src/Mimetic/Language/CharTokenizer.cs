using System.Globalization;
using System.Text;

namespace Mimetic.Language;

/// <summary>
/// Character-level tokens: one id per Unicode scalar value (rune) that occurs in the corpus, in code-point
/// order. The vocabulary is built from the corpus and saved with the run, so a sample decodes the same way.
/// </summary>
public sealed class CharTokenizer : ITextTokenizer
{
    /// <summary>The kind name.</summary>
    public const string KindName = "char";

    private readonly Dictionary<Rune, int> ids;

    /// <summary>A tokenizer over the given symbols, one rune each, id = position.</summary>
    /// <exception cref="ArgumentException">A symbol that is not exactly one rune, or a repeated one.</exception>
    public CharTokenizer(IReadOnlyList<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        Symbols = symbols;
        ids = [];
        for (var i = 0; i < symbols.Count; i++)
        {
            if (symbols[i].EnumerateRunes().Count() != 1 || !ids.TryAdd(symbols[i].EnumerateRunes().First(), i))
            {
                throw new ArgumentException($"Character vocabulary entry {i} ('{symbols[i]}') is not a single, new character.");
            }
        }

        if (ids.Count < 2)
        {
            throw new ArgumentException("A character vocabulary needs at least 2 characters.");
        }
    }

    /// <summary>The vocabulary: the symbol of each id.</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public int VocabSize => Symbols.Count;

    /// <summary>The vocabulary of <paramref name="text"/>: its distinct runes in code-point order.</summary>
    public static CharTokenizer FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new CharTokenizer(text.EnumerateRunes().Distinct().Order().Select(r => r.ToString()).ToList());
    }

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!ids.TryGetValue(rune, out var id))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The character '{rune}' (U+{rune.Value:X4}) is not in the {VocabSize}-character vocabulary of this corpus."));
            }

            result.Add(id);
        }

        return [.. result];
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabSize)
            {
                throw new ArgumentException($"Token id {id} is outside the {VocabSize}-character vocabulary.");
            }

            text.Append(Symbols[id]);
        }

        return text.ToString();
    }
}
