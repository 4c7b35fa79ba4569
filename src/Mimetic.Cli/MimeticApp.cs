using Mimetic.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli;

/// <summary>The <c>mimetic</c> command line: parses, calls the library, renders.</summary>
public static class MimeticApp
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static int Run(string[] args, IAnsiConsole? console = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("mimetic");
            config.PropagateExceptions();
            if (console is not null)
            {
                config.ConfigureConsole(console);
            }

            config.AddCommand<InitCommand>("init")
                .WithDescription("Build a model, apply an initialization, print attention statistics and optionally export safetensors.")
                .WithExample("init", "--model", "vit-tiny", "--init", "mimetic", "--seed", "0", "--out", "vit-tiny.safetensors");
            config.AddCommand<PresetsCommand>("presets").WithDescription("List the model presets.");
            config.AddCommand<AnalyzeCommand>("analyze").WithDescription("Print and draw the attention weight patterns (W_q·W_kᵀ, W_v·W_proj) of a safetensors or PyTorch model file.");
        });

        try
        {
            return app.Run(args);
        }
        catch (Exception error)
        {
            return ErrorReport.Print(error, console ?? AnsiConsole.Console);
        }
    }
}
