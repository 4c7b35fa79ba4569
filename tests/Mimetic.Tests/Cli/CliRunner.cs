using Mimetic.Cli;
using Spectre.Console;

namespace Mimetic.Tests.Cli;

/// <summary>What one in-process run of the CLI printed: standard output and standard error apart.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>The exit code and standard output, for tests that look only at those.</summary>
    public void Deconstruct(out int exitCode, out string output) => (exitCode, output) = (ExitCode, Output);

    /// <summary>The non-empty lines written to standard error.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs the CLI in-process with a captured, non-interactive console and a captured standard error.</summary>
internal static class CliRunner
{
    /// <summary>
    /// <paramref name="baseArguments"/> (option, value pairs) with each option of <paramref name="overrides"/> replacing
    /// the same option there, or added: an option may be given only once on a command line.
    /// </summary>
    public static string[] With(string[] baseArguments, params string[] overrides)
    {
        var replaced = new HashSet<string>(overrides.Where((_, i) => i % 2 == 0), StringComparer.Ordinal);
        var kept = baseArguments.Chunk(2).Where(pair => !replaced.Contains(pair[0])).SelectMany(pair => pair);
        return [.. kept, .. overrides];
    }

    public static CliResult Run(params string[] args) => Run(200, args);

    public static CliResult Run(int width, params string[] args)
    {
        var writer = new StringWriter();
        var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = width;
        var code = MimeticApp.Run(args, console, errors);
        return new CliResult(code, writer.ToString(), errors.ToString());
    }
}
