using System.Globalization;

namespace Mimetic.Data;

/// <summary>
/// The file layout of the Brown corpus: 500 documents named <c>c</c> + genre letter + two-digit number, numbered
/// from 01 within each of the 15 genres (a press reportage … r humour).
/// </summary>
public static class BrownCorpusLayout
{
    /// <summary>The folder the npm tarball keeps the documents in.</summary>
    public const string Folder = "package";

    /// <summary>Documents per genre letter, as in the corpus manual (500 in all).</summary>
    public static IReadOnlyList<(char Genre, int Documents)> Genres { get; } =
    [
        ('a', 44), ('b', 27), ('c', 17), ('d', 17), ('e', 36), ('f', 48), ('g', 75), ('h', 30),
        ('j', 80), ('k', 29), ('l', 24), ('m', 6), ('n', 29), ('p', 29), ('r', 9),
    ];

    /// <summary>All 500 document names in file-name order (<c>ca01</c> … <c>cr09</c>).</summary>
    public static IReadOnlyList<string> DocumentNames { get; } =
    [
        .. Genres.SelectMany(g => Enumerable.Range(1, g.Documents)
            .Select(n => string.Create(CultureInfo.InvariantCulture, $"c{g.Genre}{n:D2}"))),
    ];

    /// <summary>The genre letter of a document name such as <c>cn17</c>.</summary>
    /// <exception cref="ArgumentException">A name that is not <c>c</c>, a letter and digits.</exception>
    public static char GenreOf(string documentName)
    {
        ArgumentNullException.ThrowIfNull(documentName);
        return documentName.Length >= 3 && documentName[0] == 'c' && char.IsAsciiLetterLower(documentName[1]) && documentName[2..].All(char.IsAsciiDigit)
            ? documentName[1]
            : throw new ArgumentException($"'{documentName}' is not a Brown corpus document name (c, a genre letter, a number).");
    }
}
