using Mimetic.Io;
using System.Globalization;
using System.Text.Json;

namespace Mimetic.Analysis.Layouts;

/// <summary>Where the number of attention heads of a model file comes from.</summary>
public static class HeadCount
{
    /// <summary>The metadata key the project's own files carry.</summary>
    public const string HeadsMetadataKey = "mimetic.heads";

    /// <summary>The metadata key holding the project's model config (JSON with a <c>Heads</c> field).</summary>
    public const string ConfigMetadataKey = "mimetic.config";

    private static readonly string[] ConventionalKeys = ["n_head", "num_attention_heads", "num_heads"];

    /// <summary>
    /// The head count: <paramref name="requested"/> if given, else the file's metadata (<c>mimetic.heads</c>,
    /// <c>n_head</c>, <c>num_attention_heads</c>, <c>num_heads</c>, or the <c>Heads</c> of <c>mimetic.config</c>),
    /// else a Hugging Face <c>config.json</c> beside the file (<c>n_head</c>, <c>num_attention_heads</c>).
    /// </summary>
    /// <returns>The count and where it came from.</returns>
    /// <exception cref="ArgumentException">No source gives it, or <paramref name="requested"/> is not positive.</exception>
    /// <exception cref="InvalidModelFileException">The file's metadata holds an invalid count.</exception>
    public static (int Heads, string Source) Resolve(WeightFile file, int? requested = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (requested is { } given)
        {
            return given > 0 ? (given, "--heads") : throw new ArgumentException($"The head count must be positive, not {given}.");
        }

        foreach (var key in ConventionalKeys.Prepend(HeadsMetadataKey))
        {
            if (file.Metadata.TryGetValue(key, out var text))
            {
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var heads) && heads > 0
                    ? (heads, $"metadata {key}")
                    : throw new InvalidModelFileException($"{Path.GetFileName(file.Path)}: metadata {key}='{Shorten(text)}' is not a positive integer.");
            }
        }

        if (file.Metadata.TryGetValue(ConfigMetadataKey, out var config) && FromJson(config, "Heads") is { } fromConfig)
        {
            return (fromConfig, $"metadata {ConfigMetadataKey}");
        }

        if (FromConfigFile(file.Path) is { } fromFile)
        {
            return fromFile;
        }

        throw new ArgumentException(
            $"{Path.GetFileName(file.Path)} does not record its head count (no {HeadsMetadataKey} or n_head metadata, no config.json beside it): pass --heads N.");
    }

    private static (int, string)? FromConfigFile(string modelPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var path = Path.Combine(directory, "config.json");
        if (!File.Exists(path) || new FileInfo(path).Length > 1_000_000)
        {
            return null;
        }

        var text = File.ReadAllText(path);
        return ConventionalKeys.Select(key => (Heads: FromJson(text, key), Key: key)).FirstOrDefault(h => h.Heads is not null) is { Heads: { } heads } found
            ? (heads, $"config.json {found.Key}")
            : null;
    }

    // A positive integer field of a JSON object, or null when the text is not such an object.
    private static int? FromJson(string json, string key)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty(key, out var value)
                   && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var heads) && heads > 0
                ? heads
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
