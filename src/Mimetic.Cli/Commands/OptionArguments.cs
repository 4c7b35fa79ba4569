using System.Reflection;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>
/// The options a user gave on the command line, by long name, read back against a settings class's declared
/// options (so flags and short names are told apart): what a comparison hands to each of its runs.
/// </summary>
public static class OptionArguments
{
    /// <summary>
    /// The options in <paramref name="arguments"/> (the command's own arguments, after its name) that
    /// <typeparamref name="TSettings"/> declares, without those in <paramref name="except"/>; a flag maps to
    /// <see cref="Mimetic.Studies.StudyRun.Flag"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option the settings do not declare, or one without its value.</exception>
    public static Dictionary<string, string?> Given<TSettings>(IReadOnlyList<string> arguments, params string[] except)
        where TSettings : CommandSettings
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var declared = typeof(TSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
            .Where(a => a is not null)
            .Select(a => (Names: a!.LongNames.Select(n => "--" + n).Concat(a.ShortNames.Select(n => "-" + n)).ToList(), Long: a.LongNames[0], Flag: a.ValueName is null))
            .ToList();
        var given = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < arguments.Count; i++)
        {
            var token = arguments[i];
            if (!token.StartsWith('-'))
            {
                continue;
            }

            var (name, inline) = token.Contains('=', StringComparison.Ordinal) ? (token[..token.IndexOf('=', StringComparison.Ordinal)], token[(token.IndexOf('=', StringComparison.Ordinal) + 1)..]) : (token, null);
            var option = declared.FirstOrDefault(d => d.Names.Contains(name));
            if (option.Names is null)
            {
                throw new ArgumentException($"unknown option '{name}'");
            }

            string? value;
            if (option.Flag)
            {
                value = Mimetic.Studies.StudyRun.Flag;
            }
            else if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < arguments.Count)
            {
                value = arguments[++i];
            }
            else
            {
                throw new ArgumentException($"option '{name}' needs a value");
            }

            if (!except.Contains(option.Long))
            {
                given[option.Long] = value;
            }
        }

        return given;
    }

    /// <summary>The command's own arguments (after the command name) from the full argument list.</summary>
    public static IReadOnlyList<string> Own(IReadOnlyList<string> all, string command)
    {
        ArgumentNullException.ThrowIfNull(all);
        var at = all.ToList().IndexOf(command);
        return at < 0 ? all : all.Skip(at + 1).ToList();
    }
}
