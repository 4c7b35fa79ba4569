using Mimetic.Io;

namespace Mimetic.Analysis.Layouts;

/// <summary>A layout chosen for a file, with the layers it found and why it was chosen.</summary>
/// <param name="Layout">The layout.</param>
/// <param name="Layers">The layers' prefixes, in natural order.</param>
/// <param name="Source">How it was chosen, e.g. <c>--layout</c>, <c>metadata mimetic.layout</c>, <c>tensor names</c>.</param>
public sealed record LayoutMatch(AttentionLayout Layout, IReadOnlyList<string> Layers, string Source);

/// <summary>The known <see cref="AttentionLayout"/>s and automatic detection.</summary>
public static class AttentionLayouts
{
    /// <summary>The name that asks for detection.</summary>
    public const string Auto = "auto";

    /// <summary>The metadata key the project's own files carry (<c>mimetic</c> or <c>timm</c>).</summary>
    public const string LayoutMetadataKey = "mimetic.layout";

    private static readonly AttentionLayout[] All =
    [
        FusedProjectionLayout.FusedQkv("mimetic"),
        FusedProjectionLayout.FusedQkv("timm"),
        new Gpt2Layout(),
        FusedProjectionLayout.MultiheadAttention(),
        new SplitProjectionLayout(),
    ];

    /// <summary>Every name <c>--layout</c> takes, <see cref="Auto"/> first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Auto, .. All.Select(l => l.Name)];

    /// <summary>Whether <paramref name="name"/> is a layout name or <see cref="Auto"/>.</summary>
    public static bool IsKnown(string? name) => name is not null && Names.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The layout of that name (not <see cref="Auto"/>).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static AttentionLayout Get(string name) =>
        All.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown layout '{name}'. Known: {string.Join(", ", Names)}.");

    /// <summary>
    /// Chooses the layout for a file: the one named, or with <see cref="Auto"/> the file's
    /// <c>mimetic.layout</c> metadata, else the layout whose tensor names match the most layers.
    /// </summary>
    /// <exception cref="ArgumentException">No attention layers of the layout (or of any layout) are in the file.</exception>
    public static LayoutMatch Resolve(WeightFile file, string name = Auto)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(name);
        var fileName = Path.GetFileName(file.Path);
        if (!string.Equals(name, Auto, StringComparison.OrdinalIgnoreCase))
        {
            var layout = Get(name);
            var layers = layout.FindLayers(file.Names);
            return layers.Count > 0
                ? new LayoutMatch(layout, layers, "--layout")
                : throw new ArgumentException($"{fileName} has no attention weights in the {layout.Name} layout ({layout.Pattern}); try --layout auto.");
        }

        if (file.Metadata.TryGetValue(LayoutMetadataKey, out var recorded)
            && All.FirstOrDefault(l => string.Equals(l.Name, recorded, StringComparison.OrdinalIgnoreCase)) is { } declared
            && declared.FindLayers(file.Names) is { Count: > 0 } declaredLayers)
        {
            return new LayoutMatch(declared, declaredLayers, $"metadata {LayoutMetadataKey}");
        }

        // "mimetic" and "timm" read the same names; detection reports the general one, timm.
        var best = All.Where(l => l.Name != "mimetic")
            .Select(l => new LayoutMatch(l, l.FindLayers(file.Names), "tensor names"))
            .MaxBy(m => m.Layers.Count)!;
        return best.Layers.Count > 0
            ? best
            : throw new ArgumentException(
                $"{fileName} has no attention weights of a known layout (looked for {string.Join("; ", All.Skip(1).Select(l => l.Pattern))}).");
    }
}
