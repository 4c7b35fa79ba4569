using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Mimetic.Analysis;
using Mimetic.Analysis.Layouts;
using Mimetic.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic analyze</c>.</summary>
public sealed class AnalyzeSettings : CommandSettings
{
    /// <summary>The model file.</summary>
    [CommandArgument(0, "<MODEL>")]
    [Description("safetensors file, PyTorch state dict (.pt, .pth, .bin) or ONNX model (.onnx)")]
    public string Model { get; init; } = "";

    /// <summary>Layout name.</summary>
    [CommandOption("--layout <LAYOUT>")]
    [Description("auto | mimetic | timm | gpt2 | torch-mha | split-qkv (ONNX models: auto only, read through the graph)")]
    [DefaultValue(AttentionLayouts.Auto)]
    public string Layout { get; init; } = AttentionLayouts.Auto;

    /// <summary>Head count, if the file does not record it.</summary>
    [CommandOption("--heads <N>")]
    [Description("number of attention heads (default: from the file's metadata, a config.json beside it, or an ONNX graph's reshapes)")]
    public int? Heads { get; init; }

    /// <summary>Output folder for the pictures.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("folder for the PNGs (default: <model name>-analysis beside the model)")]
    public string? Out { get; init; }

    /// <summary>Side of the drawn corner of each product.</summary>
    [CommandOption("--crop <N>")]
    [Description("draw the top-left N×N corner of each d×d product")]
    [DefaultValue(64)]
    public int Crop { get; init; } = 64;

    /// <summary>Skip the pictures.</summary>
    [CommandOption("--no-plots")]
    [Description("print statistics only; write no PNGs")]
    public bool NoPlots { get; init; }

    /// <summary>Print JSON instead of a table.</summary>
    [CommandOption("--json")]
    [Description("print machine-readable JSON instead of a table")]
    public bool Json { get; init; }

    /// <summary>The library options these settings describe.</summary>
    public ModelAnalysisOptions ToOptions() => new(Layout, Heads, Crop);

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model))
        {
            return ValidationResult.Error("pass a model file");
        }

        try
        {
            ToOptions().Validate();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message.Split(" (Parameter", 2)[0]);
        }

        return ValidationResult.Success();
    }
}

/// <summary>
/// <c>mimetic analyze</c>: reads a model file, prints the paper's statistics of W_q·W_kᵀ and W_v·W_proj for every
/// layer and head, and draws them.
/// </summary>
public sealed class AnalyzeCommand(IAnsiConsole console) : Command<AnalyzeSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, AnalyzeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var analysis = ModelFileAnalysis.Analyze(settings.Model, settings.ToOptions());
        var images = settings.NoPlots
            ? []
            : AttentionFigures.Save(analysis, settings.Out ?? AttentionFigures.DefaultDirectory(settings.Model));

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(ToJson(analysis, images), JsonOptions));
            return 0;
        }

        var widths = analysis.Layers.Select(l => l.Width).Distinct().ToList();
        console.MarkupLine(
            $"[bold]{Markup.Escape(Path.GetFileName(analysis.Path))}[/]: {analysis.Format}, layout [bold]{analysis.Layout}[/], " +
            $"{analysis.Layers.Count} attention layers, width {string.Join("/", widths)}, {analysis.Heads} heads");
        console.MarkupLine($"[grey]layout from {Markup.Escape(analysis.LayoutSource)}, heads from {Markup.Escape(analysis.HeadsSource)}[/]");
        console.Write(AnalysisTable.Of(analysis.Layers.Select(l => l.Statistics).ToList()));
        if (images.Count > 0 && PlotFonts.MissingFontsHint is { } hint)
        {
            console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(hint)}");
        }

        if (images.Count > 0)
        {
            console.MarkupLine($"wrote {images.Count} images to [green]{Markup.Escape(Path.GetDirectoryName(images[0])!)}[/]: " +
                               string.Join(", ", images.Select(i => Markup.Escape(Path.GetFileName(i)))));
        }

        return 0;
    }

    // A diverged checkpoint can give NaN statistics: write them as "NaN" rather than fail.
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// The JSON document of <c>analyze --json</c>. Field names are stable; the layers are serialized as
    /// <see cref="LayerAnalysis"/> records, as <c>init --json</c> does.
    /// </summary>
    internal static object ToJson(ModelFileAnalysis analysis, IReadOnlyList<string> images) => new
    {
        file = analysis.Path,
        format = analysis.Format,
        layout = analysis.Layout,
        layoutSource = analysis.LayoutSource,
        heads = analysis.Heads,
        headsSource = analysis.HeadsSource,
        layers = analysis.Layers.Select(l => new
        {
            l.Statistics.Name,
            l.Kind,
            l.Width,
            l.Statistics.Heads,
            l.Statistics.QueryKey,
            l.Statistics.QueryKeyIdentityScore,
            l.Statistics.ValueProjection,
            l.Statistics.ValueProjectionPerHead,
        }),
        images,
    };
}

/// <summary>The statistics table of <c>mimetic analyze</c>.</summary>
internal static class AnalysisTable
{
    /// <summary>
    /// Per layer one row per head (W_q,i·W_k,iᵀ and W_v,i·W_proj,i) and a row <c>all</c>: the mean over heads for
    /// query/key, the whole-layer W_v·W_proj for value/projection.
    /// </summary>
    public static Table Of(IReadOnlyList<LayerAnalysis> layers)
    {
        var (labels, pattern) = ShortNames(layers.Select(l => l.Name).ToList());
        var table = new Table()
            .Border(TableBorder.Simple)
            .AddColumns("layer", "head", "QK\ndiag", "QK\noff", "QK\nstd", "QK\nid", "VO\ndiag", "VO\noff", "VO\nstd", "VO\nid")
            .Caption((pattern is null ? "" : $"layer n is {Markup.Escape(pattern)}. ") +
                     "diag: mean diagonal; off, std: mean and std off the diagonal; id: identity score tr(M)/(‖M‖_F·√d). " +
                     "Row 'all': QK mean over heads, VO of the whole layer.");
        table.Columns[0].NoWrap().PadLeft(0);
        table.Columns[1].PadLeft(0);
        foreach (var column in table.Columns.Skip(2))
        {
            column.RightAligned().NoWrap().PadLeft(0).PadRight(0);
        }

        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            for (var head = 0; head < layer.Heads; head++)
            {
                table.AddRow([head == 0 ? Markup.Escape(labels[i]) : "", head.ToString(CultureInfo.InvariantCulture), .. Cells(layer.QueryKey[head]), .. Cells(layer.ValueProjectionPerHead[head])]);
            }

            var meanQueryKey = new ProductStatistics(
                layer.QueryKey.Average(s => s.MeanDiagonal), layer.QueryKey.Average(s => s.OffDiagonalMean),
                layer.QueryKey.Average(s => s.OffDiagonalStd), layer.QueryKeyIdentityScore);
            table.AddRow(["", "[bold]all[/]", .. Cells(meanQueryKey, bold: true), .. Cells(layer.ValueProjection, bold: true)]);
        }

        return table;
    }

    /// <summary>
    /// Short labels for layer names that differ only by a number (<c>blocks.0.attn</c>, <c>blocks.1.attn</c> → <c>0</c>,
    /// <c>1</c>, pattern <c>blocks.n.attn</c>); otherwise the names themselves and no pattern.
    /// </summary>
    internal static (IReadOnlyList<string> Labels, string? Pattern) ShortNames(IReadOnlyList<string> names)
    {
        var parsed = names.Select(n => Regex.Match(n, @"^(?<head>.*?)(?<n>\d+)(?<tail>(\.[^.\d][^.]*)*)$")).ToList();
        if (names.Count < 2 || parsed.Any(m => !m.Success)
            || parsed.Select(m => (m.Groups["head"].Value, m.Groups["tail"].Value)).Distinct().Count() != 1)
        {
            return (names, null);
        }

        var first = parsed[0];
        return (parsed.Select(m => m.Groups["n"].Value).ToList(), $"{first.Groups["head"].Value}n{first.Groups["tail"].Value}");
    }

    private static string[] Cells(ProductStatistics s, bool bold = false) =>
        [.. new[] { s.MeanDiagonal, s.OffDiagonalMean, s.OffDiagonalStd, s.IdentityScore }.Select(v => bold ? $"[bold]{F(v)}[/]" : F(v))];

    // Every cell at most 8 characters, so a column never has to be cut to "…": large values in exponent notation.
    internal static string F(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        _ when Math.Abs(value) < 999.9995 => value.ToString(" +0.000; -0.000; 0.000", CultureInfo.InvariantCulture),
        _ => value.ToString("+0.0E+0;-0.0E+0", CultureInfo.InvariantCulture),
    };
}
