using Mimetic.Cli;
using Mimetic.Init;
using Mimetic.Io;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Vision;
using static TorchSharp.torch;

namespace Mimetic.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-cli-").FullName;

    [Fact]
    public void InitWritesTimmNamedSafetensorsThatRoundTrip()
    {
        var path = Path.Combine(root, "vit.safetensors");
        var (code, output) = CliRunner.Run("init", "--model", "vit-micro", "--init", "mimetic", "--seed", "5", "--out", path);

        Assert.Equal(0, code);
        Assert.Contains("layer n is blocks.n.attn", output, StringComparison.Ordinal);
        var file = Safetensors.Open(path);
        Assert.Equal("timm", file.Metadata["mimetic.layout"]);
        Assert.Equal("2", file.Metadata["mimetic.heads"]);
        foreach (var name in new[] { "patch_embed.proj.weight", "pos_embed", "blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight", "blocks.0.mlp.fc1.weight", "head.weight" })
        {
            Assert.True(file.Contains(name), name);
        }

        using var expected = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), WeightInit.Mimetic, 5);
        foreach (var (name, tensor) in expected.state_dict())
        {
            using var stored = file.Read(name);
            Assert.Equal(tensor.shape, stored.shape);
            Assert.True(stored.allclose(tensor, rtol: 0, atol: 0), name);
        }

        using var reloaded = new VisionTransformer(VisionPresets.Get("vit-micro"));
        Checkpoint.LoadWeights(path, reloaded);
        using var images = randn(2, 3, 32, 32);
        using var noGrad = no_grad();
        Assert.True(reloaded.call(images).allclose(expected.call(images), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void InitJsonReportsTheMethodsDiagonals()
    {
        var (code, output) = CliRunner.Run("init", "--model", "vit-micro", "--init", "mimetic-vo", "--json");
        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var layer = json.RootElement.GetProperty("layers")[0];
        Assert.InRange(layer.GetProperty("ValueProjection").GetProperty("MeanDiagonal").GetDouble(), -0.5, -0.3);
    }

    [Fact]
    public void InitSolverChoiceChangesOnlyRounding()
    {
        var (code, reference) = CliRunner.Run("init", "--model", "vit-micro", "--seed", "3", "--solver", "float64-svd", "--json");
        var (fastCode, fast) = CliRunner.Run("init", "--model", "vit-micro", "--seed", "3", "--solver", "float32-gram", "--json");
        Assert.Equal((0, 0), (code, fastCode));
        using var referenceJson = System.Text.Json.JsonDocument.Parse(reference);
        using var fastJson = System.Text.Json.JsonDocument.Parse(fast);
        double Diagonal(System.Text.Json.JsonDocument json) =>
            json.RootElement.GetProperty("layers")[0].GetProperty("ValueProjection").GetProperty("MeanDiagonal").GetDouble();
        Assert.Equal(Diagonal(referenceJson), Diagonal(fastJson), 4);
        Assert.InRange(Diagonal(fastJson), -0.5, -0.3);
    }

    [Theory]
    [InlineData("init", "--model", "no-such-model")]
    [InlineData("init", "--init", "xavier")]
    [InlineData("init", "--alpha1", "-1")]
    [InlineData("init", "--solver", "lapack")]
    [InlineData("train", "--epochs", "0")]
    [InlineData("compare", "--seeds", "a,b")]
    [InlineData("compare", "--inits", "default,bogus")]
    [InlineData("train", "--resume", "/nonexistent/run")]
    [InlineData("report", "/nonexistent/dir")]
    [InlineData("no-such-command")]
    public void BadInputGetsOneLineAndNonZeroExit(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void MissingLibstdcxxIsExplainedInOneLine()
    {
        var error = new TypeInitializationException("TorchSharp.torch",
            new DllNotFoundException("libLibTorchSharp.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found"));
        var message = NativeLibraryCheck.Explain(error);
        Assert.NotNull(message);
        Assert.Contains("GLIBCXX_3.4.32", message, StringComparison.Ordinal);
        Assert.Contains("install-prereqs.sh", message, StringComparison.Ordinal);
        Assert.Null(NativeLibraryCheck.Explain(new InvalidOperationException("unrelated")));
    }

    [SkippableFact]
    public void TrainRunsResumesAndReports()
    {
        RealData.RequireCifar10();
        var run = Path.Combine(root, "run");
        string[] common = ["--model", "vit-micro", "--train-size", "200", "--test-size", "100", "--batch-size", "50", "--epochs", "2"];
        var (first, output) = CliRunner.Run(["train", .. common, "--out", run, "--until-epoch", "1"]);
        Assert.Equal(130, first);
        Assert.Contains("epoch   1/2", output, StringComparison.Ordinal);

        var (second, resumed) = CliRunner.Run("train", "--resume", run);
        Assert.Equal(0, second);
        Assert.Contains("resuming", resumed, StringComparison.Ordinal);
        Assert.Equal(2, new RunFiles(run).ReadMetrics<EpochMetrics>().Count);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
