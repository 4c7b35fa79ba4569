using System.Globalization;
using Mimetic.Init;
using Spectre.Console;

namespace Mimetic.Cli.Commands;

/// <summary>The <c>--inits</c> and <c>--seeds</c> lists of the comparison commands.</summary>
public static class ComparisonLists
{
    /// <summary>Initialization names from a comma-separated list.</summary>
    public static IReadOnlyList<string> Inits(string text) => Split(text);

    /// <summary>Distinct seeds from a comma-separated list of integers.</summary>
    public static IReadOnlyList<long> Seeds(string text) => Split(text).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).Distinct().ToList();

    /// <summary>An error for an empty, unknown or repeated initialization, or a seed that is not an integer.</summary>
    public static ValidationResult Validate(string inits, string seeds)
    {
        var names = Inits(inits);
        if (names.Count == 0)
        {
            return ValidationResult.Error("--inits names no initialization");
        }

        if (names.FirstOrDefault(i => !WeightInit.IsKnown(i)) is { } unknown)
        {
            return ValidationResult.Error($"--inits: unknown initialization '{unknown}'; known: {string.Join(", ", WeightInit.Names)}");
        }

        if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Count)
        {
            return ValidationResult.Error("--inits names an initialization twice");
        }

        if (inits.Split(',').Any(string.IsNullOrWhiteSpace))
        {
            return ValidationResult.Error($"--inits has an empty entry: '{inits}'");
        }

        if (seeds.Split(',').Any(string.IsNullOrWhiteSpace))
        {
            return ValidationResult.Error($"--seeds has an empty entry: '{seeds}'");
        }

        var parts = Split(seeds);
        if (parts.Count == 0 || !parts.All(s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
        {
            return ValidationResult.Error($"--seeds must be comma-separated integers, not '{seeds}'");
        }

        return ValidationResult.Success();
    }

    private static List<string> Split(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
