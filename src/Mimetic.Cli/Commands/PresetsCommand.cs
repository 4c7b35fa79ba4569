using Mimetic.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary><c>mimetic presets</c>: lists the model presets (Vision Transformers, then GPTs).</summary>
public sealed class PresetsCommand(IAnsiConsole console) : Command
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = new Table().AddColumns("preset", "description");
        foreach (var name in VisionPresets.Names)
        {
            table.AddRow(name, Markup.Escape(VisionPresets.Describe(name)));
        }

        foreach (var name in GptPresets.Names)
        {
            table.AddRow(name, Markup.Escape(GptPresets.Describe(name)));
        }

        console.Write(table);
        return 0;
    }
}
