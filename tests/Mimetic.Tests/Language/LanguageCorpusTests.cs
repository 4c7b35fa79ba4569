using Mimetic.Data;
using Mimetic.Language;

namespace Mimetic.Tests.Language;

public sealed class LanguageCorpusTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-corpus-").FullName;

    [Fact]
    public void TokensAreCachedAndTheSecondLoadReadsTheCache()
    {
        var path = Write("corpus.txt", string.Concat(Enumerable.Repeat("It is the east, and Juliet is the sun.\n", 50)));
        var cache = Path.Combine(root, "cache");

        var first = LanguageCorpus.Load(path, CharTokenizer.KindName, 0.9, cache);
        var second = LanguageCorpus.Load(path, CharTokenizer.KindName, 0.9, cache);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.True(File.Exists(first.CachePath));
        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal((int)(50 * 39 * 0.9), first.Train.Length);
        Assert.Equal(50 * 39, first.Train.Length + first.Validation.Length);
        Assert.Equal(1.0, first.CharactersPerToken);

        var bpe = LanguageCorpus.Load(path, Gpt2Tokenizer.KindName, 0.9, cache);
        Assert.False(bpe.FromCache);
        Assert.NotEqual(first.CachePath, bpe.CachePath);
        Assert.True(bpe.CharactersPerToken > 2, $"{bpe.CharactersPerToken} characters per BPE token");
    }

    [Fact]
    public void BadTextsAreOneLineDataErrors()
    {
        var invalid = Path.Combine(root, "latin1.txt");
        File.WriteAllBytes(invalid, [0x48, 0xE9, 0x6C, 0x6C, 0x6F]);
        Assert.Contains("UTF-8", Assert.Throws<DataException>(() => LanguageCorpus.Load(invalid, "char", 0.9, root)).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<DataException>(() => LanguageCorpus.Load(Write("empty.txt", ""), "char", 0.9, root)).Message, StringComparison.Ordinal);
        Assert.Contains("too few", Assert.Throws<DataException>(() => LanguageCorpus.Load(Write("short.txt", "abc"), "char", 0.9, root)).Message, StringComparison.Ordinal);
        Assert.Throws<DataException>(() => LanguageCorpus.Load(Path.Combine(root, "missing.txt"), "char", 0.9, root));
        Assert.Throws<ArgumentException>(() => LanguageCorpus.Load(Write("ok.txt", "abcdefgh"), "bytes", 0.9, root));
    }

    [Fact]
    public void RandomWindowsDependOnSeedAndStepOnly()
    {
        var tokens = Enumerable.Range(0, 1000).ToArray();
        using var a = TokenWindows.Random(tokens, 8, 16, seed: 5, step: 42);
        using var b = TokenWindows.Random(tokens, 8, 16, seed: 5, step: 42);
        using var c = TokenWindows.Random(tokens, 8, 16, seed: 5, step: 43);

        Assert.True(a.Inputs.Identical(b.Inputs));
        Assert.False(a.Inputs.Identical(c.Inputs));
        Assert.Equal([8L, 16], a.Inputs.shape);
        Assert.True(a.Targets.Identical(a.Inputs + 1));      // targets are the next tokens
        Assert.True(a.Targets.max().item<long>() < 1000);
    }

    [Fact]
    public void EvaluationWindowsAreSpreadAndDoNotOverlap()
    {
        Assert.Equal([0, 10, 20, 30], TokenWindows.EvaluationStarts(45, 10, null));
        var spread = TokenWindows.EvaluationStarts(1001, 10, 4);
        Assert.Equal([0, 250, 500, 750], spread);
        Assert.Throws<ArgumentException>(() => TokenWindows.EvaluationStarts(10, 10, null));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
