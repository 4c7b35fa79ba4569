namespace Mimetic.Models;

/// <summary>Named GPT shapes. The vocabulary size comes from the tokenizer.</summary>
public static class GptPresets
{
    private static readonly Dictionary<string, (GptConfig Config, string Description)> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-micro"] = (new GptConfig(ContextLength: 32, Width: 32, Depth: 2, Heads: 2),
            "a toy for tests and smoke runs: width 32, depth 2, 2 heads, context 32"),
        ["gpt-cpu"] = (new GptConfig(ContextLength: 128, Width: 128, Depth: 4, Heads: 4),
            "a small CPU model: width 128, depth 4, 4 heads, context 128 (0.8M parameters besides the embeddings)"),
        ["gpt-mini"] = (new GptConfig(ContextLength: 256, Width: 384, Depth: 6, Heads: 6),
            "nanoGPT's Shakespeare-char shape: width 384, depth 6, 6 heads, context 256 (10.6M parameters besides the embeddings)"),
        ["gpt2-small"] = (new GptConfig(ContextLength: 1024, Width: 768, Depth: 12, Heads: 12),
            "GPT-2 small's shape: width 768, depth 12, 12 heads, context 1024 (124M parameters with the GPT-2 vocabulary) — meant for a GPU"),
    };

    /// <summary>The preset names.</summary>
    public static IReadOnlyCollection<string> Names => Presets.Keys;

    /// <summary>A one-line description of a preset.</summary>
    public static string Describe(string name) => Lookup(name).Description;

    /// <summary>The preset's config with the tokenizer's vocabulary size.</summary>
    /// <exception cref="ArgumentException">Unknown preset name.</exception>
    public static GptConfig Get(string name, int vocabSize) => Lookup(name).Config with { VocabSize = vocabSize };

    /// <summary>Whether <paramref name="name"/> is a GPT preset.</summary>
    public static bool IsKnown(string name) => Presets.ContainsKey(name);

    private static (GptConfig Config, string Description) Lookup(string name) =>
        Presets.TryGetValue(name, out var preset)
            ? preset
            : throw new ArgumentException($"Unknown GPT preset '{name}'. Known: {string.Join(", ", Presets.Keys)}.");
}
