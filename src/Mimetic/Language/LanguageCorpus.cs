using System.Security.Cryptography;
using System.Text;
using Mimetic.Data;
using Mimetic.Io;

namespace Mimetic.Language;

/// <summary>
/// A UTF-8 text file as token ids, split into a training part (the first <c>trainFraction</c> of the
/// tokens) and a validation part (the rest). Token ids are computed once per (file content, tokenizer) and
/// cached under the user cache folder (<c>tokens/</c>), keyed by the file's SHA-256, so later runs read them.
/// A cache file records its token count and the SHA-256 of its ids; one whose length or hash disagrees (truncated,
/// damaged) is never used: the text is tokenized again and the cache rewritten.
/// </summary>
/// <param name="TextPath">The text file.</param>
/// <param name="Sha256">SHA-256 of the file's bytes (hex).</param>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="Train">Training token ids.</param>
/// <param name="Validation">Validation token ids.</param>
/// <param name="ValidationCharacters">Characters (runes) the validation tokens spell, for bits per character.</param>
/// <param name="CachePath">The token cache file.</param>
/// <param name="FromCache">Whether the ids were read from the cache rather than tokenized now.</param>
public sealed record LanguageCorpus(
    string TextPath,
    string Sha256,
    ITextTokenizer Tokenizer,
    int[] Train,
    int[] Validation,
    long ValidationCharacters,
    string CachePath,
    bool FromCache)
{
    /// <summary>The file name of Tiny Shakespeare, the default corpus.</summary>
    public const string TinyShakespeare = "tinyshakespeare.txt";

    private const string CacheFormat = "v2";


    /// <summary>Characters per validation token (1 for the character tokenizer).</summary>
    public double CharactersPerToken => (double)ValidationCharacters / Validation.Length;

    /// <summary>
    /// The corpus <paramref name="config"/> names: the Brown corpus (found again, <paramref name="dataDirectory"/> first),
    /// its text file, or — with no text file — Tiny Shakespeare as the data folders hold it.
    /// </summary>
    /// <remarks>A named data folder must exist even when the text file makes it unused.</remarks>
    public static LanguageCorpus For(LanguageTrainingConfig config, string? dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new DatasetLoadOptions { DataDirectory = dataDirectory };
        _ = new DatasetLocator(dataDirectory); // throws for a missing or unreadable named folder
        if (config.Corpus == BrownCorpus.Name)
        {
            return BrownLanguageCorpus.Load(config.Tokenizer, options);
        }

        var text = config.Text.Length > 0 ? config.Text : DatasetCatalog.LocateTinyShakespeare(options);
        return Load(text, config.Tokenizer, config.TrainFraction);
    }

    /// <summary>Reads, tokenizes (or reads the cached ids) and splits a text file.</summary>
    /// <param name="textPath">A UTF-8 text file.</param>
    /// <param name="tokenizerKind"><c>char</c> or <c>gpt2</c>.</param>
    /// <param name="trainFraction">The share of tokens for training, in (0, 1).</param>
    /// <param name="cacheDirectory">The cache folder; null for the user cache (see <see cref="DatasetLocator.DefaultCacheDirectory"/>).</param>
    /// <exception cref="DataException">The file is missing, empty, not UTF-8, or too short to split.</exception>
    public static LanguageCorpus Load(string textPath, string tokenizerKind, double trainFraction = 0.9, string? cacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(textPath);
        if (!(trainFraction is > 0 and < 1))
        {
            throw new ArgumentException($"The training fraction must be between 0 and 1 (exclusive), not {trainFraction}.");
        }

        var path = Path.GetFullPath(textPath);
        if (Directory.Exists(path))
        {
            throw new DataException($"text file '{path}' is a folder; pass a UTF-8 text file");
        }

        if (!File.Exists(path))
        {
            throw new DataException($"text file '{path}' does not exist");
        }

        Io.UserFile.RequireReadable(path, "text file");

        var bytes = File.ReadAllBytes(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var text = DecodeUtf8(bytes, path);
        var tokenizer = TextTokenizers.Create(tokenizerKind, text);
        var cachePath = Path.Combine(cacheDirectory ?? DatasetLocator.DefaultCacheDirectory(), "tokens", $"{sha}-{tokenizer.Kind}-{CacheFormat}.bin");
        var ids = TokenCache.Read(cachePath, tokenizer.VocabSize);
        var fromCache = ids is not null;
        if (ids is null)
        {
            ids = tokenizer.Encode(text);
            TokenCache.Write(cachePath, ids);
        }

        var trainCount = (int)(ids.Length * trainFraction);
        if (trainCount < 2 || ids.Length - trainCount < 2)
        {
            throw new DataException($"text file '{path}' has {ids.Length} tokens: too few to split into training and validation parts");
        }

        var validation = ids[trainCount..];
        var characters = tokenizer is CharTokenizer ? validation.Length : tokenizer.Decode(validation).EnumerateRunes().LongCount();
        return new LanguageCorpus(path, sha, tokenizer, ids[..trainCount], validation, characters, cachePath, fromCache);
    }

    private static string DecodeUtf8(byte[] bytes, string path)
    {
        var preamble = Encoding.UTF8.Preamble.Length;
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? preamble : 0;
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataException($"text file '{path}' is not valid UTF-8 (at byte {e.Index})", e);
        }

        return text.Length > 0 ? text : throw new DataException($"text file '{path}' is empty");
    }
}
