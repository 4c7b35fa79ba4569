using System.Text.Json;
using Mimetic.Training;

namespace Mimetic.Language;

/// <summary>Tokenizers by name, and their file in a run directory (<c>tokenizer.json</c>).</summary>
public static class TextTokenizers
{
    /// <summary>The tokenizer kinds: <c>char</c> (vocabulary from the corpus), <c>gpt2</c> (GPT-2's BPE) and <c>word</c> (the Brown corpus's words).</summary>
    public static IReadOnlyList<string> Kinds { get; } = [CharTokenizer.KindName, Gpt2Tokenizer.KindName, WordTokenizer.KindName];

    /// <summary>Whether <paramref name="kind"/> names a tokenizer.</summary>
    public static bool IsKnown(string kind) => Kinds.Contains(kind);

    /// <summary>The tokenizer of kind <paramref name="kind"/> for <paramref name="corpus"/> (a character vocabulary is built from it).</summary>
    /// <exception cref="ArgumentException">Unknown kind, or <c>word</c>, which needs the Brown corpus's documents (see <see cref="BrownLanguageCorpus"/>).</exception>
    public static ITextTokenizer Create(string kind, string corpus) => kind switch
    {
        CharTokenizer.KindName => CharTokenizer.FromText(corpus),
        Gpt2Tokenizer.KindName => Gpt2Tokenizer.Instance,
        WordTokenizer.KindName => throw new ArgumentException("The word tokenizer is built from the Brown corpus's training documents; use it with --corpus brown."),
        _ => throw new ArgumentException($"Unknown tokenizer '{kind}'. Known: {string.Join(", ", Kinds)}."),
    };

    /// <summary>Writes the tokenizer (its kind, and a character or word vocabulary) to <paramref name="path"/>, atomically.</summary>
    public static void Save(ITextTokenizer tokenizer, string path)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var symbols = tokenizer switch
        {
            CharTokenizer characters => characters.Symbols,
            WordTokenizer words => words.Symbols,
            _ => null,
        };
        var file = new TokenizerFile(tokenizer.Kind, tokenizer.VocabSize, symbols);
        RunFiles.WriteAtomically(path, JsonSerializer.Serialize(file, RunFiles.Json));
    }

    /// <summary>Reads a tokenizer written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing or not a tokenizer.</exception>
    public static ITextTokenizer Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{Path.GetDirectoryName(Path.GetFullPath(path))} has no {Path.GetFileName(path)}: it is not a language-model run.");
        }

        Io.UserFile.RequireReadable(path, "tokenizer file");

        try
        {
            var file = JsonSerializer.Deserialize<TokenizerFile>(File.ReadAllText(path), RunFiles.Json)
                ?? throw new InvalidDataException($"{path} is empty.");
            ITextTokenizer tokenizer = file.Kind switch
            {
                CharTokenizer.KindName => new CharTokenizer(file.Symbols ?? throw new InvalidDataException($"{path} has no character vocabulary.")),
                Gpt2Tokenizer.KindName => Gpt2Tokenizer.Instance,
                WordTokenizer.KindName => new WordTokenizer(file.Symbols ?? throw new InvalidDataException($"{path} has no word vocabulary.")),
                _ => throw new InvalidDataException($"{path} names the unknown tokenizer '{file.Kind}'."),
            };
            return tokenizer.VocabSize == file.VocabSize
                ? tokenizer
                : throw new InvalidDataException($"{path} says {file.VocabSize} tokens, but its tokenizer has {tokenizer.VocabSize}.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path} is not a valid tokenizer file: {e.Message.Split('\n')[0]}");
        }
    }

    private sealed record TokenizerFile(string Kind, int VocabSize, IReadOnlyList<string>? Symbols);
}
