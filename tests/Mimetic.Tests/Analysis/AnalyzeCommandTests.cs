using System.Text.Json;
using Mimetic.Cli;
using Mimetic.Io;
using Mimetic.Models;
using Mimetic.Reports;
using SkiaSharp;
using Spectre.Console.Testing;
using static TorchSharp.torch;

namespace Mimetic.Tests.Analysis;

public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void AnalyzesAMimeticModelPrintsTheTableAndWritesThePictures()
    {
        var model = WriteMimeticVisionTransformer();
        var console = new TestConsole().Width(120);

        var code = MimeticApp.Run(["analyze", model, "--crop", "16"], console);

        Assert.True(code == 0, console.Output);
        Assert.Contains("vit.safetensors: safetensors, layout timm, 2 attention layers, width 32, 2 heads", console.Output, StringComparison.Ordinal);
        Assert.Contains("layout from metadata mimetic.layout, heads from metadata mimetic.heads", console.Output, StringComparison.Ordinal);
        Assert.Contains("layer n is blocks.n.attn", console.Output, StringComparison.Ordinal);
        Assert.Contains("all", console.Output, StringComparison.Ordinal);
        var pictures = directory.File("vit-analysis");
        foreach (var name in new[] { AttentionFigures.QueryKeyFile, AttentionFigures.ValueProjectionFile, AttentionFigures.IdentityScoresFile })
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(pictures, name));
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width > 100 && bitmap.Height > 100);
        }
    }

    [Fact]
    public void JsonOutputHasStableFieldsAndTheImagePaths()
    {
        var model = WriteMimeticVisionTransformer();
        var output = directory.File("pictures");
        var console = new TestConsole();

        var code = MimeticApp.Run(["analyze", model, "--json", "--out", output], console);

        Assert.True(code == 0, console.Output);
        using var json = JsonDocument.Parse(console.Output);
        var root = json.RootElement;
        Assert.Equal(("safetensors", "timm", 2), (root.GetProperty("format").GetString(), root.GetProperty("layout").GetString(), root.GetProperty("heads").GetInt32()));
        var layer = root.GetProperty("layers")[0];
        Assert.Equal("blocks.0.attn", layer.GetProperty("Name").GetString());
        Assert.Equal(2, layer.GetProperty("QueryKey").GetArrayLength());
        var valueProjection = layer.GetProperty("ValueProjection");
        Assert.InRange(valueProjection.GetProperty("MeanDiagonal").GetDouble(), -0.5, -0.3);
        foreach (var field in new[] { "OffDiagonalMean", "OffDiagonalStd", "IdentityScore" })
        {
            Assert.Equal(JsonValueKind.Number, valueProjection.GetProperty(field).ValueKind);
        }

        Assert.Equal(2, layer.GetProperty("ValueProjectionPerHead").GetArrayLength());
        Assert.Equal(3, root.GetProperty("images").GetArrayLength());
        Assert.All(root.GetProperty("images").EnumerateArray(), image => Assert.True(File.Exists(image.GetString())));
    }

    [Fact]
    public void DivergedWeightsStillGiveJsonAndPictures()
    {
        var layer = MathLayer.Identity(4) with { Value = full(4, 4, double.NaN).to(TorchSharp.torch.ScalarType.Float32) };
        var path = LayoutFiles.WriteSafetensors(directory.Path, "timm", [layer], heads: 1);
        var console = new TestConsole();

        var code = MimeticApp.Run(["analyze", path, "--json", "--out", directory.File("nan")], console);

        Assert.True(code == 0, console.Output);
        using var json = JsonDocument.Parse(console.Output);
        Assert.Equal("NaN", json.RootElement.GetProperty("layers")[0].GetProperty("ValueProjection").GetProperty("MeanDiagonal").GetString());
    }

    [Fact]
    public void NoPlotsWritesNoPictures()
    {
        var model = WriteMimeticVisionTransformer();
        var console = new TestConsole().Width(120);

        Assert.Equal(0, MimeticApp.Run(["analyze", model, "--no-plots"], console));
        Assert.False(Directory.Exists(directory.File("vit-analysis")));
    }

    [Fact]
    public void BadFileFailsWithOneLine()
    {
        var path = directory.File("bad.safetensors");
        File.WriteAllBytes(path, [255, 255, 255, 255, 0, 0, 0, 0, 1, 2, 3]);
        var errors = new StringWriter();

        var code = MimeticApp.Run(["analyze", path], new TestConsole().Width(200), errors);

        Assert.Equal(ErrorReport.UsageError, code);
        var line = Assert.Single(errors.ToString().Split('\n'), l => l.Trim().Length > 0);
        Assert.StartsWith("error: bad.safetensors is not a valid safetensors file: the header claims", line, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingHeadCountFailsWithOneLineThatNamesTheOption()
    {
        var path = LayoutFiles.WriteSafetensors(directory.Path, "gpt2", [MathLayer.Identity(8)], heads: null);
        var errors = new StringWriter();

        var code = MimeticApp.Run(["analyze", path], new TestConsole().Width(250), errors);

        Assert.Equal(ErrorReport.UsageError, code);
        var line = Assert.Single(errors.ToString().Split('\n'), l => l.Trim().Length > 0);
        Assert.Contains("pass --heads N", line, StringComparison.Ordinal);
        Assert.Equal(0, MimeticApp.Run(["analyze", path, "--heads", "2", "--no-plots"], new TestConsole().Width(120)));
    }

    [Theory]
    [InlineData("--layout", "bert")]
    [InlineData("--heads", "0")]
    [InlineData("--crop", "1")]
    public void BadOptionsFailWithAUsageError(string option, string value)
    {
        var model = WriteMimeticVisionTransformer();
        var errors = new StringWriter();

        Assert.Equal(ErrorReport.UsageError, MimeticApp.Run(["analyze", model, option, value], new TestConsole().Width(200), errors));
        Assert.StartsWith("error:", errors.ToString().Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileFailsWithOneLine()
    {
        var errors = new StringWriter();

        Assert.Equal(ErrorReport.UsageError, MimeticApp.Run(["analyze", directory.File("nope.safetensors")], new TestConsole().Width(200), errors));
        Assert.Contains("file not found", errors.ToString(), StringComparison.Ordinal);
    }

    private string WriteMimeticVisionTransformer()
    {
        var path = directory.File("vit.safetensors");
        if (!File.Exists(path))
        {
            using var model = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), "mimetic", seed: 0);
            Safetensors.Write(path, model.state_dict().Select(p => (p.Key, p.Value)),
                new Dictionary<string, string> { ["mimetic.layout"] = "timm", ["mimetic.heads"] = "2" });
        }

        return path;
    }
}
