using System.Globalization;
using System.Text;
using Mimetic.Init;
using Mimetic.Training;

namespace Mimetic.Studies;

/// <summary>One run of a study: its place in the grid, its command line and its run directory.</summary>
/// <param name="Setting">The values of the axes other than init and seed, by axis name (labels) — the run's row in the report.</param>
/// <param name="Init">The initialization.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Command">The CLI command: <c>train</c> or <c>lm-train</c>.</param>
/// <param name="Arguments">The command's options, <c>--out</c> included: a self-contained command line.</param>
/// <param name="Directory">The run directory.</param>
public sealed record StudyRun(IReadOnlyDictionary<string, string> Setting, string Init, long Seed, string Command, IReadOnlyList<string> Arguments, string Directory)
{
    /// <summary>The value that marks an option as a flag (JSON <c>true</c>).</summary>
    public const string Flag = "\u0001flag";

    /// <summary>Options that only mimetic inits read: a <c>default</c> run leaves them out, so its directory is shared by every α/β cell.</summary>
    public static IReadOnlyList<string> InitOnlyOptions { get; } = ["alpha1", "beta1", "alpha2", "beta2", "vo-sign", "solver"];

    /// <summary>Options that do not make a run another run (a run may resume on another device): given, but not in its folder's name.</summary>
    public static IReadOnlyList<string> NotIdentity { get; } = ["device"];

    /// <summary>Longest run-folder name before it is shortened with a hash.</summary>
    public const int MaxNameLength = 120;

    /// <summary>The setting as one key for grouping (axis=value pairs in axis order).</summary>
    public string SettingKey => string.Join("; ", Setting.Select(s => $"{s.Key}={s.Value}"));

    /// <summary>The command line, quoted for a POSIX shell, after <paramref name="launcher"/> (for example <c>mimetic</c>).</summary>
    public string CommandLine(string launcher) =>
        $"{launcher} {Command} {string.Join(' ', Arguments.Select(Quote))}";

    /// <summary>The CLI command of a model kind.</summary>
    public static string CommandOf(string kind) => kind == TrainingTasks.Language ? "lm-train" : "train";

    /// <summary>
    /// The options of one run as command-line arguments (sorted by name; a <c>default</c> run drops the options only
    /// mimetic inits read), and a directory name that is a pure function of them.
    /// </summary>
    public static (List<string> Arguments, string Name) Options(IReadOnlyDictionary<string, string?> options, string init)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kept = options
            .Where(o => o.Value is not null && o.Key is not StudyDefinition.InitOption and not StudyDefinition.SeedOption)
            .Where(o => WeightInit.Normalize(init) != WeightInit.Default || !InitOnlyOptions.Contains(o.Key))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        var arguments = new List<string>();
        foreach (var (key, value) in kept)
        {
            arguments.Add("--" + key);
            if (value != Flag)
            {
                arguments.Add(value!);
            }
        }

        var named = kept.Where(o => !NotIdentity.Contains(o.Key)).ToList();
        var name = named.Count == 0 ? "base" : string.Join('_', named.Select(o => o.Value == Flag ? o.Key : $"{o.Key}-{Slug(o.Value!)}"));
        if (name.Length > MaxNameLength)
        {
            // File systems allow 255 bytes a name: keep a readable start and make the rest unique by a hash of the whole.
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
            name = name[..(MaxNameLength - 13)] + "-" + hash;
        }

        return (arguments, name);
    }

    private static string Slug(string value)
    {
        var text = new StringBuilder();
        foreach (var c in value)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-' ? c : '-');
        }

        return text.ToString();
    }

    /// <summary>One word for a POSIX shell: as is when it is plain, else single-quoted.</summary>
    internal static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or '+' or '=' or ':')
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The seed as text.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Init} seed {Seed} ({SettingKey})");
}
