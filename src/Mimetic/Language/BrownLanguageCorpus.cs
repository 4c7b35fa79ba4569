using System.Globalization;
using Mimetic.Data;

namespace Mimetic.Language;

/// <summary>
/// The Brown corpus as a <see cref="LanguageCorpus"/>: training and validation token streams split by whole documents
/// (<see cref="BrownCorpus"/>), each document followed by <c>&lt;eod&gt;</c> (word tokens) or a blank line (readable text,
/// for the <c>char</c> and <c>gpt2</c> tokenizers). The word vocabulary comes from the training documents only; the
/// character vocabulary from all of them. Token ids are cached like a text file's (<c>tokens/</c> under the cache
/// folder), keyed by the tarball's SHA-256, the split rule and the tokenizer.
/// </summary>
public static class BrownLanguageCorpus
{
    private const string CacheFormat = "v1";

    /// <summary>Locates, verifies, reads and tokenizes the Brown corpus.</summary>
    /// <param name="tokenizerKind"><c>word</c>, <c>char</c> or <c>gpt2</c>.</param>
    /// <param name="options">Where to look for the tarball and whether it may be downloaded.</param>
    /// <param name="cacheDirectory">The token cache folder; null for the user cache.</param>
    /// <exception cref="DataException">The corpus cannot be found, downloaded, verified or read; one line naming the file.</exception>
    /// <exception cref="ArgumentException">An unknown tokenizer.</exception>
    public static LanguageCorpus Load(string tokenizerKind, DatasetLoadOptions options, string? cacheDirectory = null) =>
        Load(tokenizerKind, BrownCorpus.Load(options), cacheDirectory);

    /// <summary>Tokenizes an already read Brown corpus (or reads its cached ids).</summary>
    public static LanguageCorpus Load(string tokenizerKind, BrownCorpus brown, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(brown);
        if (!TextTokenizers.IsKnown(tokenizerKind))
        {
            throw new ArgumentException($"Unknown tokenizer '{tokenizerKind}'. Known: {string.Join(", ", TextTokenizers.Kinds)}.");
        }

        var trainText = BrownCorpus.TextOf(brown.Train);
        var validationText = BrownCorpus.TextOf(brown.Validation);
        ITextTokenizer tokenizer = tokenizerKind switch
        {
            WordTokenizer.KindName => WordTokenizer.Build(brown.Train.SelectMany(d => d.Words)),
            CharTokenizer.KindName => CharTokenizer.FromText(trainText + validationText),
            _ => Gpt2Tokenizer.Instance,
        };
        var vocabularyKey = tokenizer is WordTokenizer ? string.Create(CultureInfo.InvariantCulture, $"{tokenizer.Kind}{WordTokenizer.DefaultSize}") : tokenizer.Kind;
        var stem = Path.Combine(cacheDirectory ?? DatasetLocator.DefaultCacheDirectory(), "tokens",
            string.Create(CultureInfo.InvariantCulture, $"{brown.Sha256}-brown-every{BrownCorpus.ValidationEvery}-{vocabularyKey}-{CacheFormat}"));
        var (trainPath, validationPath) = (stem + ".train.bin", stem + ".validation.bin");
        var train = TokenCache.Read(trainPath, tokenizer.VocabSize);
        var validation = TokenCache.Read(validationPath, tokenizer.VocabSize);
        var fromCache = train is not null && validation is not null;
        if (!fromCache)
        {
            (train, validation) = tokenizer is WordTokenizer words
                ? (words.EncodeDocuments(brown.Train.Select(d => d.Words)), words.EncodeDocuments(brown.Validation.Select(d => d.Words)))
                : (tokenizer.Encode(trainText), tokenizer.Encode(validationText));
            TokenCache.Write(trainPath, train);
            TokenCache.Write(validationPath, validation);
        }

        return new LanguageCorpus(brown.Folder, brown.Sha256, tokenizer, train!, validation!, validationText.EnumerateRunes().LongCount(), trainPath, fromCache);
    }
}
