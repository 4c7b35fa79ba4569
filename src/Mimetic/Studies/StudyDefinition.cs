using System.Globalization;
using System.Text.Json;
using Mimetic.Init;
using Mimetic.Training;

namespace Mimetic.Studies;

/// <summary>A study file is missing, not JSON, or declares an impossible grid.</summary>
public sealed class StudyException(string message) : Exception(message);

/// <summary>One value of an axis: the options it sets (one option for a plain axis, several for a variant) and its label.</summary>
/// <param name="Label">How reports name the value.</param>
/// <param name="Options">Command-line options (without <c>--</c>) and their values; a null value leaves the option out.</param>
public sealed record AxisValue(string Label, IReadOnlyDictionary<string, string?> Options);

/// <summary>One axis of a study's grid.</summary>
/// <param name="Name">The axis name: a command-line option (<c>init</c>, <c>seed</c>, <c>train-size</c>, …) or a variant name.</param>
/// <param name="Values">Its values, in order.</param>
public sealed record StudyAxis(string Name, IReadOnlyList<AxisValue> Values);

/// <summary>
/// A named grid of runs declared in a file: the base settings of every run (command-line options of <c>train</c>
/// or <c>lm-train</c>) and the axes crossed over them — init, seed, position embedding, train size, dataset,
/// α/β, epochs, model, or variants that set several options at once. A comparison is the two-axis study init × seed.
/// </summary>
/// <param name="Name">Short name (the report folder).</param>
/// <param name="Title">Report heading.</param>
/// <param name="Kind">The model kind: <see cref="TrainingTasks.Vision"/> or <see cref="TrainingTasks.Language"/>.</param>
/// <param name="Description">What the study asks, for the report (may be empty).</param>
/// <param name="Base">Options every run gets.</param>
/// <param name="Axes">The grid's axes, crossed in order (the last varies fastest).</param>
/// <param name="MainAxis">The axis the gain is plotted along.</param>
/// <param name="Claim">The paper's claim it tests, for docs/reproduction.md; null when it tests none.</param>
public sealed record StudyDefinition(
    string Name,
    string Title,
    string Kind,
    string Description,
    IReadOnlyDictionary<string, string?> Base,
    IReadOnlyList<StudyAxis> Axes,
    string MainAxis,
    StudyClaim? Claim = null)
{
    /// <summary>The axis or base option of initializations.</summary>
    public const string InitOption = "init";

    /// <summary>The axis or base option of seeds.</summary>
    public const string SeedOption = "seed";

    /// <summary>Reads and checks a study file.</summary>
    /// <exception cref="StudyException">Missing, not JSON, or an invalid grid; the message names the file.</exception>
    public static StudyDefinition Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new StudyException($"study file '{path}' does not exist");
        }

        Io.UserFile.RequireReadable(path, "study file");

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return Parse(document.RootElement, Path.GetFileNameWithoutExtension(path));
        }
        catch (JsonException e)
        {
            throw new StudyException($"{path} is not valid JSON: {e.Message.Split('\n')[0]}");
        }
        catch (StudyException e)
        {
            throw new StudyException($"{path}: {e.Message}");
        }
    }

    /// <summary>Checks the grid: a known kind, at least one init, axes with distinct names and values, a main axis among them.</summary>
    /// <exception cref="StudyException">What is wrong.</exception>
    public void Validate()
    {
        Require(Kind is TrainingTasks.Vision or TrainingTasks.Language, $"kind must be '{TrainingTasks.Vision}' or '{TrainingTasks.Language}', not '{Kind}'");
        Require(Axes.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() == Axes.Count, "two axes have the same name");
        Require(Axes.All(a => a.Values.Count > 0), "an axis has no values");
        Require(Axes.All(a => a.Values.Select(v => v.Label).Distinct(StringComparer.Ordinal).Count() == a.Values.Count), "an axis repeats a value");
        Require(Axes.Any(a => a.Name == InitOption) || Base.ContainsKey(InitOption), "no init: give an 'init' axis or base option");
        Require(Axes.Any(a => a.Name == MainAxis), $"the main axis '{MainAxis}' is not one of the axes ({string.Join(", ", Axes.Select(a => a.Name))})");
        var reserved = new[] { "out", "resume", "until-epoch", "until-step" };
        var options = Base.Keys.Concat(Axes.SelectMany(a => a.Values.SelectMany(v => v.Options.Keys))).ToList();
        Require(options.All(o => !reserved.Contains(o)), $"the study sets the run directory itself; remove {string.Join(", ", reserved.Select(r => "'" + r + "'"))}");
        Require(options.All(o => o.Length > 0 && o.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')), "an option name must be letters, digits and dashes (as on the command line, without '--')");
        foreach (var seed in Axes.Where(a => a.Name == SeedOption).SelectMany(a => a.Values))
        {
            Require(long.TryParse(seed.Label, NumberStyles.Integer, CultureInfo.InvariantCulture, out _), $"seed '{seed.Label}' is not an integer");
        }

        RequireSafeName(Name);
        foreach (var axis in Axes)
        {
            foreach (var key in axis.Values.SelectMany(v => v.Options.Keys).Distinct(StringComparer.Ordinal).Where(Base.ContainsKey))
            {
                throw new StudyException($"'{key}' is set in \"base\" and again by axis '{axis.Name}'; set it in one place (an axis value replaces nothing silently)");
            }
        }

        var inits = Inits();
        foreach (var init in inits.Where(i => !WeightInit.IsKnown(i)))
        {
            throw new StudyException($"unknown init '{init}'; known: {string.Join(", ", WeightInit.Names)}");
        }

        if (Claim is not null)
        {
            foreach (var init in Claim.Inits.Where(i => !inits.Contains(i, StringComparer.OrdinalIgnoreCase)))
            {
                throw new StudyException($"the claim is about init '{init}', which the grid does not train (its inits: {string.Join(", ", inits)})");
            }
        }
    }

    /// <summary>Every init the grid trains: the base option's and each axis value's, in order.</summary>
    public IReadOnlyList<string> Inits()
    {
        var options = new[] { Base }.Concat(Axes.SelectMany(a => a.Values.Select(v => v.Options)));
        return [.. options.Select(o => o.GetValueOrDefault(InitOption)).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    // The name is a folder under the reports' root: one plain folder name, never a way out of it.
    private static void RequireSafeName(string name)
    {
        Require(!string.IsNullOrWhiteSpace(name), "the study's \"name\" is empty; it names the report folder");
        Require(!Path.IsPathRooted(name) && name.IndexOfAny(['/', '\\']) < 0 && name is not ("." or "..") && !name.Contains('\0', StringComparison.Ordinal),
            $"the study's \"name\" '{name}' must be one folder name (no '/', '\\', '..' or absolute path); it names the report folder");
    }

    private static readonly string[] FileKeys = ["name", "title", "kind", "description", "base", "axes", "main", "claim"];
    private static readonly string[] AxisKeys = ["name", "values", "labels"];

    private static void RequireKnownKeys(JsonElement element, string[] known, string where)
    {
        foreach (var property in element.EnumerateObject().Where(p => !known.Contains(p.Name, StringComparer.Ordinal)))
        {
            throw new StudyException($"{where} has the unknown key '{property.Name}'; known keys: {string.Join(", ", known)}");
        }
    }

    private static StudyDefinition Parse(JsonElement root, string fallbackName)
    {
        Require(root.ValueKind == JsonValueKind.Object, "the file must hold one JSON object");
        RequireKnownKeys(root, FileKeys, "the study");
        var name = OptionalString(root, "name") ?? fallbackName;
        var axes = new List<StudyAxis>();
        if (root.TryGetProperty("axes", out var axesElement))
        {
            Require(axesElement.ValueKind == JsonValueKind.Array, "'axes' must be an array of {\"name\", \"values\"} objects");
            axes.AddRange(axesElement.EnumerateArray().Select(ParseAxis));
        }

        var definition = new StudyDefinition(
            name,
            OptionalString(root, "title") ?? name,
            OptionalString(root, "kind") ?? TrainingTasks.Vision,
            OptionalString(root, "description") ?? "",
            root.TryGetProperty("base", out var baseElement) ? ParseOptions(baseElement, "base") : new Dictionary<string, string?>(),
            axes,
            OptionalString(root, "main") ?? (axes.Count > 0 ? axes[0].Name : ""),
            root.TryGetProperty("claim", out var claim) ? StudyClaim.Parse(claim) : null);
        definition.Validate();
        return definition;
    }

    private static StudyAxis ParseAxis(JsonElement axis)
    {
        Require(axis.ValueKind == JsonValueKind.Object, "each axis must be an object with \"name\" and \"values\"");
        var name = OptionalString(axis, "name") ?? throw new StudyException("an axis has no \"name\"");
        RequireKnownKeys(axis, AxisKeys, $"axis '{name}'");
        Require(axis.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array, $"axis '{name}' has no \"values\" array");
        string[]? labels = null;
        if (axis.TryGetProperty("labels", out var labelElement))
        {
            Require(labelElement.ValueKind == JsonValueKind.Array && labelElement.GetArrayLength() == values.GetArrayLength(), $"axis '{name}': \"labels\" must list one label per value");
            labels = labelElement.EnumerateArray().Select(l => Scalar(l, $"axis '{name}' label") ?? "").ToArray();
        }

        var parsed = new List<AxisValue>();
        var index = 0;
        foreach (var value in values.EnumerateArray())
        {
            var options = value.ValueKind == JsonValueKind.Object
                ? ParseOptions(value, $"axis '{name}'")
                : new Dictionary<string, string?> { [name] = Scalar(value, $"axis '{name}'") };
            var label = labels?[index] ?? (value.ValueKind == JsonValueKind.Object
                ? (options.Count == 0 ? "base" : string.Join(", ", options.Select(o => $"{o.Key}={o.Value ?? "(preset)"}")))
                : options[name] ?? "(preset)");
            parsed.Add(new AxisValue(label, options));
            index++;
        }

        return new StudyAxis(name, parsed);
    }

    private static Dictionary<string, string?> ParseOptions(JsonElement element, string where)
    {
        Require(element.ValueKind == JsonValueKind.Object, $"{where} must be an object of option names and values");
        return element.EnumerateObject().ToDictionary(p => p.Name, p => Scalar(p.Value, $"{where} option '{p.Name}'"), StringComparer.Ordinal);
    }

    /// <summary>A JSON scalar as command-line text: numbers as written, true as a flag, null and false as absent.</summary>
    private static string? Scalar(JsonElement value, string where) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => StudyRun.Flag,
        JsonValueKind.False or JsonValueKind.Null => null,
        _ => throw new StudyException($"{where} must be a string, a number, true, false or null"),
    };

    private static string? OptionalString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw new StudyException($"\"{property}\" must be a string") : null;

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new StudyException(message);
        }
    }
}
