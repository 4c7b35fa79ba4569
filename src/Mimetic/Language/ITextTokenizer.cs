namespace Mimetic.Language;

/// <summary>Turns text into token ids and back.</summary>
public interface ITextTokenizer
{
    /// <summary>What kind of tokenizer it is: <c>char</c>, <c>gpt2</c> or <c>word</c> (see <see cref="TextTokenizers"/>).</summary>
    string Kind { get; }

    /// <summary>Number of distinct token ids; every id is in [0, VocabSize).</summary>
    int VocabSize { get; }

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The text holds something the vocabulary cannot express.</exception>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    /// <exception cref="ArgumentException">An id outside the vocabulary.</exception>
    string Decode(IEnumerable<int> ids);
}
