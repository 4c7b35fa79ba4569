using System.ComponentModel;
using Mimetic.Export;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic export</c>.</summary>
public sealed class ExportSettings : CommandSettings
{
    /// <summary>The run directory or weights file.</summary>
    [CommandArgument(0, "<RUN|WEIGHTS>")]
    [Description("a run directory (its newest saved weights) or a .safetensors file written by mimetic")]
    public string Source { get; init; } = "";

    /// <summary>The ONNX file to write.</summary>
    [CommandOption("--onnx <FILE>")]
    [Description("the ONNX model to write (opset 17, dynamic batch)")]
    public string? Onnx { get; init; }

    /// <summary>The dataset of a ViT weights file outside a run.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("for a ViT weights file outside a run: the dataset whose classes and normalisation go into the model (cifar10 | cifar100 | fashion-mnist)")]
    public string? Dataset { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Source) ? ValidationResult.Error("pass a run directory or a weights file")
        : string.IsNullOrWhiteSpace(Onnx) ? ValidationResult.Error("--onnx FILE is required")
        : ValidationResult.Success();
}

/// <summary><c>mimetic export</c>: writes a run's ViT or GPT as an ONNX model.</summary>
public sealed class ExportCommand(IAnsiConsole console) : Command<ExportSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var result = ModelExport.ToOnnx(settings.Source, settings.Onnx!, settings.Dataset);
        var size = new FileInfo(result.Output).Length / 1024.0;
        var input = result.Task == "vision" ? "images [batch, C, H, W] → logits [batch, classes]" : "tokens [batch, sequence] → logits [batch, sequence, vocabulary]";
        console.MarkupLine($"wrote [green]{Markup.Escape(result.Output)}[/] ({size:F0} KiB, ONNX opset {OnnxExporter.Opset}, {result.Model.Graph.Node.Count} nodes): {Markup.Escape(input)}");
        console.MarkupLine($"[grey]from {Markup.Escape(result.Weights)}[/]");
        return 0;
    }
}
