namespace Mimetic.Models;

/// <summary>Named Vision Transformer shapes.</summary>
public static class VisionPresets
{
    private static readonly Dictionary<string, (VisionTransformerConfig Config, string Description)> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["vit-tiny"] = (new VisionTransformerConfig(ImageSize: 32, PatchSize: 2, Width: 192, Depth: 12, Heads: 3,
            Position: PositionEmbedding.Learned, Pool: Pooling.ClassToken),
            "the paper's ViT-Tiny on 32×32 images: width 192, depth 12, 3 heads, patch 2 (256 tokens) — meant for a GPU"),
        ["vit-cpu"] = (new VisionTransformerConfig(ImageSize: 32, PatchSize: 4, Width: 96, Depth: 6, Heads: 3),
            "a small CPU model: width 96, depth 6, 3 heads, patch 4 (64 tokens), 2-D sin-cos positions, average pooling"),
        ["vit-micro"] = (new VisionTransformerConfig(ImageSize: 32, PatchSize: 8, Width: 32, Depth: 2, Heads: 2),
            "a toy for tests and smoke runs: width 32, depth 2, 2 heads, patch 8"),
    };

    /// <summary>The preset names.</summary>
    public static IReadOnlyCollection<string> Names => Presets.Keys;

    /// <summary>Whether <paramref name="name"/> is a Vision Transformer preset.</summary>
    public static bool IsKnown(string name) => Presets.ContainsKey(name);

    /// <summary>A one-line description of a preset.</summary>
    public static string Describe(string name) => Lookup(name).Description;

    /// <summary>The preset's config, adapted to a dataset's image size, channels and classes.</summary>
    /// <exception cref="ArgumentException">Unknown preset name.</exception>
    public static VisionTransformerConfig Get(string name, int imageSize = 32, int channels = 3, int classes = 10)
    {
        var config = Lookup(name).Config;
        var patch = config.PatchSize;
        if (imageSize % patch != 0)
        {
            // e.g. 28×28 Fashion-MNIST with patch 8 → patch 7; keep the patch count close to the preset's.
            patch = Enumerable.Range(1, imageSize).Where(p => imageSize % p == 0).MinBy(p => Math.Abs(p - patch));
        }

        return config with { ImageSize = imageSize, PatchSize = patch, Channels = channels, Classes = classes };
    }

    private static (VisionTransformerConfig Config, string Description) Lookup(string name) =>
        Presets.TryGetValue(name, out var preset)
            ? preset
            : throw new ArgumentException($"Unknown model preset '{name}'. Known: {string.Join(", ", Presets.Keys)}.");
}
