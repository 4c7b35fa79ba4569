using System.Text;
using Mimetic.Data;

namespace Mimetic.Language;

/// <summary>
/// Turns the Brown corpus's tagged text (<c>The/at jury/nn said/vbd ./.</c>) into words and readable text.
/// <para>
/// Tags are what follows the last <c>/</c> of each whitespace-separated item. A line holds one sentence; blank
/// lines separate paragraphs. Words keep Brown's own tokenization (punctuation on its own, contractions and
/// possessives attached) and its case; opening quotes are <c>``</c> and closing quotes <c>''</c>.
/// </para>
/// <para>
/// Readable text joins words with single spaces except: no space before <c>, . ; : ! ? ) ] }</c>, a closing
/// quote or a lone apostrophe; none after <c>( [ {</c> or an opening quote; both quote marks become <c>"</c>.
/// </para>
/// </summary>
public static class BrownText
{
    /// <summary>Brown's opening quotation mark (two backquotes).</summary>
    public const string OpenQuote = "``";

    /// <summary>Brown's closing quotation mark (two apostrophes).</summary>
    public const string CloseQuote = "''";

    private static readonly HashSet<string> NoSpaceBefore = [",", ".", ";", ":", "!", "?", ")", "]", "}", "'", CloseQuote];
    private static readonly HashSet<string> NoSpaceAfter = ["(", "[", "{", OpenQuote];

    /// <summary>The paragraphs of a tagged document, each as its words (the sentences of a paragraph run on).</summary>
    /// <param name="tagged">The document's text.</param>
    /// <param name="name">The document's name, for messages.</param>
    /// <exception cref="DataException">An item without a <c>word/tag</c> form.</exception>
    public static IReadOnlyList<IReadOnlyList<string>> Paragraphs(string tagged, string name)
    {
        ArgumentNullException.ThrowIfNull(tagged);
        var paragraphs = new List<IReadOnlyList<string>>();
        var current = new List<string>();
        var lineNumber = 0;
        foreach (var line in tagged.Split('\n'))
        {
            lineNumber++;
            var items = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (items.Length == 0)
            {
                if (current.Count > 0)
                {
                    paragraphs.Add(current);
                    current = [];
                }

                continue;
            }

            foreach (var item in items)
            {
                var slash = item.LastIndexOf('/');
                if (slash <= 0 || slash == item.Length - 1)
                {
                    throw new DataException($"Brown corpus document '{name}' line {lineNumber}: '{item}' is not a word/tag pair; the archive is not the tagged Brown corpus");
                }

                current.Add(item[..slash]);
            }
        }

        if (current.Count > 0)
        {
            paragraphs.Add(current);
        }

        return paragraphs;
    }

    /// <summary>Words joined into readable text by the spacing rules above.</summary>
    public static string Join(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var text = new StringBuilder();
        var spaceAllowed = false;
        foreach (var word in words)
        {
            if (spaceAllowed && !NoSpaceBefore.Contains(word))
            {
                text.Append(' ');
            }

            text.Append(Display(word));
            spaceAllowed = !NoSpaceAfter.Contains(word);
        }

        return text.ToString();
    }

    /// <summary>How a word is shown: quotation marks as <c>"</c>, everything else as it is.</summary>
    public static string Display(string word) => word is OpenQuote or CloseQuote ? "\"" : word;
}
