using System.Globalization;
using System.Reflection;
using Spectre.Console.Cli;

namespace Mimetic.Cli;

/// <summary>
/// Checks a command line against the commands' declared options before anything runs: an unknown command or an
/// option the command does not declare is a <see cref="UsageException"/> that names the nearest valid one, and an
/// option's value must be there and fit its type (a whole number, a number). Spectre's own strict parsing stays on
/// behind it; this check exists for one-line messages that name the option and suggest the fix.
/// </summary>
public sealed class StrictCommandLine(string applicationName)
{
    private static readonly string[] HelpOptions = ["-h", "--help", "-?"];
    private static readonly string[] RootOptions = HelpOptions;

    private readonly Dictionary<string, List<OptionName>> commands = new(StringComparer.Ordinal);

    /// <summary>The registered command names, in registration order.</summary>
    public IReadOnlyList<string> CommandNames => [.. commands.Keys];

    /// <summary>Registers a command and the options its settings declare (inherited ones included).</summary>
    /// <typeparam name="TCommand">The command class.</typeparam>
    /// <param name="name">The command's name on the command line.</param>
    public void Add<TCommand>(string name) => commands[name] = OptionsOf(SettingsType(typeof(TCommand)));

    /// <summary>The options a command accepts, as typed (<c>--epochs</c>, <c>-e</c>), help included.</summary>
    public IReadOnlyList<string> OptionsOf(string command) =>
        [.. commands[command].Select(o => o.Text), .. HelpOptions];

    /// <summary>Throws <see cref="UsageException"/> for an unknown command or an option its command does not take.</summary>
    /// <param name="args">The arguments after the program name.</param>
    public void Check(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return;
        }

        var first = args[0];
        if (first.StartsWith('-'))
        {
            if (!RootOptions.Contains(first, StringComparer.Ordinal))
            {
                throw Unknown($"unknown option '{first}'", first, RootOptions, $"'{applicationName} --help' lists the commands");
            }

            return;
        }

        if (first == "cli")
        {
            return; // Spectre's own diagnostics (cli explain)
        }

        if (!commands.TryGetValue(first, out var options))
        {
            throw Unknown($"unknown command '{first}'", first, commands.Keys, $"commands: {string.Join(", ", commands.Keys)}");
        }

        CheckOptions(first, options, args.Skip(1).ToList());
    }

    private void CheckOptions(string command, List<OptionName> options, List<string> args)
    {
        var byText = options.ToDictionary(o => o.Text, StringComparer.Ordinal);
        var given = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                return;
            }

            if (!token.StartsWith('-') || token.Length == 1 || IsNumber(token) || HelpOptions.Contains(token, StringComparer.Ordinal))
            {
                continue;
            }

            var separator = token.StartsWith("--", StringComparison.Ordinal) ? token.IndexOfAny(['=', ':']) : -1;
            var name = separator > 0 ? token[..separator] : token;
            string? inlineValue = separator > 0 ? token[(separator + 1)..] : null;
            if (!token.StartsWith("--", StringComparison.Ordinal) && name.Length > 2)
            {
                // -abc: short flags together, or -e3: a short option and its value.
                name = name[..2];
                if (byText.TryGetValue(name, out var packed) && packed.TakesValue)
                {
                    RequireOnce(given, packed);
                    RequireFits(packed, token[2..]);
                    continue;
                }
            }

            if (!byText.TryGetValue(name, out var option))
            {
                throw Unknown($"unknown option '{name}' for '{command}'", name, OptionsOf(command), $"'{applicationName} {command} --help' lists its options");
            }

            RequireOnce(given, option);
            if (!option.TakesValue)
            {
                continue;
            }

            if (inlineValue is not null)
            {
                RequireFits(option, inlineValue);
            }
            else if (i + 1 < args.Count && (!args[i + 1].StartsWith('-') || IsNumber(args[i + 1])))
            {
                RequireFits(option, args[++i]);
            }
            else if (!option.ValueIsOptional)
            {
                throw new UsageException($"{option.Text} needs a value; '{applicationName} {command} --help' describes it");
            }
        }
    }

    /// <summary>An option given twice would silently mean its last value: a usage error instead.</summary>
    private static void RequireOnce(HashSet<string> given, OptionName option)
    {
        if (!given.Add(option.Property))
        {
            throw new UsageException($"{option.Text} is given more than once; give it once");
        }
    }

    private static void RequireFits(OptionName option, string value)
    {
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        var fits = type == typeof(int) ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : type == typeof(long) ? long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : type != typeof(double) || IsNumber(value);
        if (fits)
        {
            return;
        }

        var what = type == typeof(double) ? "a number"
            : IsWholeNumber(value) ? string.Create(CultureInfo.InvariantCulture, $"a whole number from {(type == typeof(int) ? int.MinValue : long.MinValue):N0} to {(type == typeof(int) ? int.MaxValue : long.MaxValue):N0}")
            : "a whole number";
        throw new UsageException($"{option.Text} needs {what}, not '{value}'");
    }

    private static UsageException Unknown(string what, string typed, IEnumerable<string> candidates, string otherwise) =>
        NearestName.Find(typed, candidates) is { } nearest
            ? new UsageException($"{what}; did you mean '{nearest}'?")
            : new UsageException($"{what}; {otherwise}");

    private static bool IsNumber(string token) =>
        double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static bool IsWholeNumber(string token) =>
        double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && Math.Floor(value) == value;

    private static Type SettingsType(Type command)
    {
        for (var type = command; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericArguments() is [var settings] && typeof(CommandSettings).IsAssignableFrom(settings))
            {
                return settings;
            }
        }

        return typeof(EmptyCommandSettings);
    }

    private static List<OptionName> OptionsOf(Type settings) =>
    [
        .. settings.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Attribute: p.GetCustomAttribute<CommandOptionAttribute>(inherit: true)))
            .Where(o => o.Attribute is not null)
            .SelectMany(o => OptionNames(o.Property, o.Attribute!)),
    ];

    private static IEnumerable<OptionName> OptionNames(PropertyInfo p, CommandOptionAttribute a) =>
        a.LongNames.Select(n => "--" + n).Concat(a.ShortNames.Select(n => "-" + n))
            .Select(text => new OptionName(text, p.Name, a.ValueName is not null, a.ValueIsOptional, p.PropertyType));

    private sealed record OptionName(string Text, string Property, bool TakesValue, bool ValueIsOptional, Type ValueType);
}
