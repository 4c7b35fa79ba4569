using Mimetic.Analysis.Onnx;
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
