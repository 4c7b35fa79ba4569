using Mimetic.Cli;
using Spectre.Console;

namespace Mimetic.Tests.Cli;

/// <summary>Runs the CLI in-process with a captured, non-interactive console.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200;
        var code = MimeticApp.Run(args, console);
        return (code, writer.ToString());
    }
}
