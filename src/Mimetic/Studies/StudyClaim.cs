using System.Text.Json;

namespace Mimetic.Studies;

/// <summary>How a study's result is judged against the paper's claim.</summary>
public enum VerdictRule
{
    /// <summary>The inits gain over <c>default</c> in every setting: reproduced when every paired gain's mean exceeds its std, partly when every mean is positive, else not.</summary>
    Gain,

    /// <summary>The gain of the first init shrinks as the main axis grows: reproduced when it never grows and every point has at least two seeds, partly when it is larger at the smallest value than at the largest, else not.</summary>
    GainShrinksAlongMain,

    /// <summary>The gain of the first init is larger at the main axis's first value than at its second: reproduced when larger by more than the two stds together (each over at least two seeds), partly when larger, else not.</summary>
    GainLargerAtFirst,
}

/// <summary>The paper's claim a study tests, for <c>docs/reproduction.md</c>.</summary>
/// <param name="Paper">The claim, in words.</param>
/// <param name="Anchor">The public number it is compared with (GPU, paper scale).</param>
/// <param name="Setting">Our setting, in words.</param>
/// <param name="Rule">How the verdict is computed.</param>
/// <param name="Inits">The inits whose gain over default the rule reads.</param>
public sealed record StudyClaim(string Paper, string Anchor, string Setting, VerdictRule Rule, IReadOnlyList<string> Inits)
{
    /// <summary>Parses a study file's <c>claim</c> object.</summary>
    /// <exception cref="StudyException">A missing field or an unknown rule.</exception>
    public static StudyClaim Parse(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new StudyException("\"claim\" must be an object with paper, anchor, setting, rule and inits");
        }

        string Text(string name) => element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new StudyException($"\"claim\" needs a string \"{name}\"");
        var ruleText = Text("rule");
        if (!Enum.TryParse<VerdictRule>(ruleText.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var rule))
        {
            throw new StudyException($"unknown claim rule '{ruleText}'; known: gain, gain-shrinks-along-main, gain-larger-at-first");
        }

        var inits = element.TryGetProperty("inits", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(i => i.GetString() ?? "").ToList()
            : throw new StudyException("\"claim\" needs an \"inits\" array");
        if (inits.Count == 0 || inits.Any(string.IsNullOrEmpty))
        {
            throw new StudyException("\"claim\" \"inits\" must name at least one init");
        }

        return new StudyClaim(Text("paper"), Text("anchor"), Text("setting"), rule, inits);
    }
}
