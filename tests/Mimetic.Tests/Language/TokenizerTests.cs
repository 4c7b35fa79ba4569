using Mimetic.Language;

namespace Mimetic.Tests.Language;

public sealed class TokenizerTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-tok-").FullName;

    [Fact]
    public void CharacterTokensRoundTripAndFollowCodePointOrder()
    {
        const string text = "To be, or not to be: héllo 🙂 ΣΩ\n";
        var tokenizer = CharTokenizer.FromText(text);

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal(text.EnumerateRunes().Distinct().Count(), tokenizer.VocabSize);
        Assert.Equal("\n", tokenizer.Symbols[0]);
        Assert.Equal("🙂", tokenizer.Symbols[^1]);
        Assert.Equal(text.EnumerateRunes().Count(), tokenizer.Encode(text).Length);
    }

    [Fact]
    public void UnknownCharactersAndIdsAreClearErrors()
    {
        var tokenizer = CharTokenizer.FromText("abc");
        var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode("abz"));
        Assert.Contains("'z'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => tokenizer.Decode([3]));
        Assert.Throws<ArgumentException>(() => new CharTokenizer(["a", "a"]));
    }

    [Fact]
    public void CharacterVocabularyIsSavedAndLoaded()
    {
        var tokenizer = CharTokenizer.FromText("The quick brown fox — ünïcödé");
        var path = Path.Combine(root, "tokenizer.json");
        TextTokenizers.Save(tokenizer, path);

        var loaded = Assert.IsType<CharTokenizer>(TextTokenizers.Load(path));
        Assert.Equal(tokenizer.Symbols, loaded.Symbols);
        Assert.Equal(tokenizer.Encode("fox ünï"), loaded.Encode("fox ünï"));
    }

    [Fact]
    public void Gpt2BytePairEncodingRoundTripsWithGpt2Ids()
    {
        var tokenizer = TextTokenizers.Create(Gpt2Tokenizer.KindName, "");

        Assert.Equal(50257, tokenizer.VocabSize);
        Assert.Equal([15496, 995], tokenizer.Encode("Hello world"));   // GPT-2's own ids
        const string text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak. — ünïcödé 🙂";
        var ids = tokenizer.Encode(text);
        Assert.True(ids.Length < text.Length);
        Assert.Equal(text, tokenizer.Decode(ids));

        var path = Path.Combine(root, "gpt2.json");
        TextTokenizers.Save(tokenizer, path);
        Assert.Same(tokenizer, TextTokenizers.Load(path));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
