using System.Globalization;
using System.Text.Json;

namespace Mimetic.Export;

/// <summary>
/// The metadata_props keys of an exported model. A ViT's file says how to prepare an image for it: resize the
/// shorter side to <see cref="ImageSize"/> (bicubic), centre-crop to a square, drop alpha, make gray RGB (or RGB gray
/// for one channel), scale to 0–1 and normalise per channel with <see cref="Mean"/> and <see cref="Std"/>.
/// </summary>
public static class ExportMetadata
{
    /// <summary><c>vision</c> or <c>language</c>.</summary>
    public const string Task = "mimetic.task";

    /// <summary>The class names, a JSON array indexed by label.</summary>
    public const string Classes = "mimetic.classes";

    /// <summary>Per-channel mean on a 0–1 scale, a JSON array.</summary>
    public const string Mean = "mimetic.mean";

    /// <summary>Per-channel standard deviation on a 0–1 scale, a JSON array.</summary>
    public const string Std = "mimetic.std";

    /// <summary>The model's input side in pixels.</summary>
    public const string ImageSize = "mimetic.image_size";

    /// <summary>The model's input channels (3 RGB, 1 gray).</summary>
    public const string Channels = "mimetic.channels";

    /// <summary>How an image becomes the model's input (for people reading the file).</summary>
    public const string Preprocessing = "mimetic.preprocessing";

    /// <summary>The text the <see cref="Preprocessing"/> key holds.</summary>
    public const string PreprocessingDescription =
        "RGB (alpha dropped, gray repeated); shorter side resized to image_size (bicubic), centre crop image_size x image_size; x/255; (x - mean) / std per channel; NCHW float32";

    /// <summary>The metadata of a Vision Transformer's export.</summary>
    internal static Dictionary<string, string> ForVision(
        int imageSize, int channels, IReadOnlyList<string> classes, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        IReadOnlyDictionary<string, string> weights) =>
        With(weights, new Dictionary<string, string>
        {
            [Task] = "vision",
            [Classes] = JsonSerializer.Serialize(classes),
            [Mean] = JsonSerializer.Serialize(mean),
            [Std] = JsonSerializer.Serialize(std),
            [ImageSize] = imageSize.ToString(CultureInfo.InvariantCulture),
            [Channels] = channels.ToString(CultureInfo.InvariantCulture),
            [Preprocessing] = PreprocessingDescription,
        });

    /// <summary>The metadata of a GPT's export.</summary>
    internal static Dictionary<string, string> ForLanguage(int vocabulary, int context, IReadOnlyDictionary<string, string> weights) =>
        With(weights, new Dictionary<string, string>
        {
            [Task] = "language",
            ["mimetic.vocab_size"] = vocabulary.ToString(CultureInfo.InvariantCulture),
            ["mimetic.context"] = context.ToString(CultureInfo.InvariantCulture),
        });

    // The weights file's own mimetic.* entries (preset, init, seed, config, heads) come along.
    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> weights, Dictionary<string, string> entries)
    {
        foreach (var (key, value) in weights)
        {
            if (key.StartsWith("mimetic.", StringComparison.Ordinal) && key != "mimetic.layout")
            {
                entries.TryAdd(key, value);
            }
        }

        return entries;
    }
}
