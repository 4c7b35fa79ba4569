using Mimetic.Analysis.Onnx;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Tests.Analysis;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Export;

public sealed class ExportCliTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void ExportWritesAnOnnxModelOfAnInitWeightsFile()
    {
        var weights = directory.File("vit.safetensors");
        Assert.Equal(0, CliRunner.Run("init", "--model", "vit-micro", "--init", "mimetic", "--seed", "0", "--out", weights).ExitCode);

        var onnx = directory.File("vit.onnx");
        var result = CliRunner.Run("export", weights, "--onnx", onnx, "--dataset", "cifar10");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("opset 17", result.Output, StringComparison.Ordinal);
        var file = OnnxModelFile.Open(onnx);
        Assert.Equal(2, OnnxAttentionFinder.Find(file).Count);
    }

    [Fact]
    public void ALanguageRunExportsItsNewestWeightsAsTheGptsLogits()
    {
        var text = directory.File("text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 200)));
        var run = directory.File("lm");
        var trained = CliRunner.Run("lm-train", "--text", text, "--model", "gpt-micro", "--tokenizer", "char", "--steps", "4", "--warmup", "0",
            "--eval-interval", "2", "--batch-size", "4", "--out", run);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var onnx = directory.File("lm.onnx");

        var result = CliRunner.Run("export", run, "--onnx", onnx);

        Assert.True(result.ExitCode == 0, result.Error);
        var files = new RunFiles(run);
        var newest = Directory.GetFiles(files.WeightsDirectory).Order(StringComparer.Ordinal).Last();
        Assert.Contains(newest, result.Output, StringComparison.Ordinal);
        var metadata = OnnxModelFile.Open(onnx).Model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("language", metadata[Mimetic.Export.ExportMetadata.Task]);
        var config = System.Text.Json.JsonSerializer.Deserialize<GptConfig>(metadata["mimetic.config"], RunFiles.Json)!;
        using var model = new Gpt(config);
        Checkpoint.LoadWeights(newest, model);
        model.eval();
        var tokens = TorchSharp.torch.tensor(new long[] { 1, 2, 3, 4, 5, 6, 2, 1 }, [2, 4]);
        float[] expected;
        using (TorchSharp.torch.no_grad())
        {
            expected = model.call(tokens).data<float>().ToArray();
        }

        var (actual, _) = OnnxRuntimeHarness.Run(OnnxModelFile.Open(onnx).Model, Mimetic.Export.OnnxExporter.TokensInput, tokens.data<long>().ToArray(), [2, 4]);
        Assert.True(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() <= 1e-4);
    }

    [Theory]
    [InlineData("no-dataset")]
    [InlineData("not-onnx")]
    [InlineData("missing")]
    [InlineData("no-run")]
    public void BadExportsSayWhatIsWrongInOneLine(string what)
    {
        var weights = directory.File("vit.safetensors");
        Assert.Equal(0, CliRunner.Run("init", "--model", "vit-micro", "--out", weights).ExitCode);
        Directory.CreateDirectory(directory.File("empty"));
        string[] args = what switch
        {
            "no-dataset" => ["export", weights, "--onnx", directory.File("a.onnx")],
            "not-onnx" => ["export", weights, "--onnx", directory.File("a.bin"), "--dataset", "cifar10"],
            "missing" => ["export", directory.File("nothing.safetensors"), "--onnx", directory.File("a.onnx")],
            _ => ["export", directory.File("empty"), "--onnx", directory.File("a.onnx")],
        };

        var result = CliRunner.Run(args);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.False(File.Exists(directory.File("a.onnx")));
    }
}
