using System.Text.Json;
using Google.Protobuf;
using Mimetic.Analysis;
using Mimetic.Cli;
using Mimetic.Init;
using Mimetic.Io;
using Mimetic.Analysis.Onnx;
using Mimetic.Tests.Analysis;
using Mimetic.Tests.Cli;
using Onnx;
using static TorchSharp.torch;

namespace Mimetic.Tests.Onnx;

public sealed class OnnxAnalysisTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void SeparateProjectionsGiveTheStatisticsOfTheWeightsInThem()
    {
        AttentionWeights[] layers = [AttentionWeights.Random(8, seed: 1), AttentionWeights.Random(8, seed: 2)];
        var path = OnnxTestModels.Separate(2, layers).Write(directory.File("bert.onnx"));

        var analysis = ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Crop: 4));

        Assert.Equal((OnnxModelFile.Format, ModelFileAnalysis.OnnxGraphLayout, 2, "graph Reshape"), (analysis.Format, analysis.Layout, analysis.Heads, analysis.HeadsSource));
        Assert.Equal(["encoder.layer.0.attention", "encoder.layer.1.attention"], analysis.Layers.Select(l => l.Statistics.Name));
        Assert.All(analysis.Layers, l => Assert.Equal("onnx-split-qkv", l.Kind));
        for (var i = 0; i < layers.Length; i++)
        {
            AssertSame(Expected(layers[i], 2), analysis.Layers[i].Statistics);
        }
    }

    [Theory]
    [InlineData("Gather")]
    [InlineData("Split")]
    [InlineData("Slice")]
    public void FusedProjectionsAreSplitIntoTheirThirds(string style)
    {
        AttentionWeights[] layers = [AttentionWeights.Random(12, seed: 3), AttentionWeights.Random(12, seed: 4)];
        var path = OnnxTestModels.Fused(3, Enum.Parse<FusedStyle>(style), layers).Write(directory.File("fused.onnx"));

        var analysis = ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Crop: 4));

        Assert.Equal(3, analysis.Heads);
        Assert.Equal(["blocks.0.attn", "blocks.1.attn"], analysis.Layers.Select(l => l.Statistics.Name));
        Assert.All(analysis.Layers, l => Assert.Equal("onnx-fused-qkv", l.Kind));
        Assert.Contains("fused q/k/v", analysis.LayoutSource, StringComparison.Ordinal);
        for (var i = 0; i < layers.Length; i++)
        {
            AssertSame(Expected(layers[i], 3), analysis.Layers[i].Statistics);
        }
    }

    [Fact]
    public void KnownProductsGiveExactIdentityScores()
    {
        // W_q = W_k = 2·I: each of 2 heads has 4 on its 4 diagonal entries of 8, so its score is √(4/8); W_v·W_proj = −I scores −1.
        var path = OnnxTestModels.Fused(2, FusedStyle.Gather, AttentionWeights.Known(8)).Write(directory.File("known.onnx"));

        var layer = ModelFileAnalysis.Analyze(path).Layers.Single().Statistics;

        Assert.All(layer.QueryKey, head => Assert.Equal(Math.Sqrt(0.5), head.IdentityScore, 6));
        Assert.All(layer.QueryKey, head => Assert.Equal(2.0, head.MeanDiagonal, 6));
        Assert.Equal(-1.0, layer.ValueProjection.IdentityScore, 6);
        Assert.Equal(-1.0, layer.ValueProjection.MeanDiagonal, 6);
        Assert.Equal(0.0, layer.ValueProjection.OffDiagonalStd, 6);
    }

    [Fact]
    public void HeadsComeFromTheScoreScaleWhenTheReshapeIsNotConstant()
    {
        var builder = OnnxTestModels.Fused(4, FusedStyle.Gather, AttentionWeights.Random(8, seed: 5));
        // Make every Reshape's shape a run-time value: only the 1/√k scaling of the query tells the head width.
        builder.Graph.Input.Add(new ValueInfoProto { Name = "runtime_shape" });
        foreach (var node in builder.Graph.Node.Where(n => n.OpType == "Reshape"))
        {
            node.Input[1] = "runtime_shape";
        }

        var path = builder.Write(directory.File("scale.onnx"));

        Assert.Equal((4, "graph scale 1/√k"), (ModelFileAnalysis.Analyze(path).Heads, ModelFileAnalysis.Analyze(path).HeadsSource));
        Assert.Equal((2, "--heads"), (ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Heads: 2)).Heads, "--heads"));
    }

    [Fact]
    public void AnalyzeCommandGivesJsonAndPicturesForOnnx()
    {
        var path = OnnxTestModels.Separate(2, AttentionWeights.Known(8)).Write(directory.File("model.onnx"));
        var pictures = directory.File("pictures");

        var (code, output) = CliRunner.Run("analyze", path, "--json", "--out", pictures);

        Assert.True(code == 0, output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(("onnx", "onnx-graph", 2), (root.GetProperty("format").GetString(), root.GetProperty("layout").GetString(), root.GetProperty("heads").GetInt32()));
        Assert.Equal(-1.0, root.GetProperty("layers")[0].GetProperty("ValueProjection").GetProperty("IdentityScore").GetDouble(), 6);
        Assert.Equal(3, root.GetProperty("images").GetArrayLength());
        Assert.All(root.GetProperty("images").EnumerateArray(), image => Assert.True(new FileInfo(image.GetString()!).Length > 1000));
    }

    [Fact]
    public void ExternalDataInsideTheModelsFolderIsRead()
    {
        var weights = AttentionWeights.Random(8, seed: 6);
        var builder = OnnxTestModels.Separate(2, weights);
        MoveToExternalData(builder, "100", "weights.bin", out var bytes);
        var path = builder.Write(directory.File("external.onnx"));

        AssertSame(Expected(weights, 2), ModelFileAnalysis.Analyze(path).Layers[0].Statistics);
        Assert.True(bytes > 0);
    }

    [Theory]
    [InlineData("../outside.bin", "is not a file inside the model's folder")]
    [InlineData("/etc/passwd", "is not a file inside the model's folder")]
    [InlineData("missing.bin", "is missing beside the model")]
    public void ExternalDataOutsideTheFolderOrMissingIsRefused(string location, string message)
    {
        var builder = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 7));
        var tensor = builder.Graph.Initializer.First(t => t.Name == "100");
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        var path = builder.Write(directory.File("hostile.onnx"));

        var line = SingleErrorLine(path);

        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalDataRangeBeyondTheFileIsRefused()
    {
        var builder = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 8));
        MoveToExternalData(builder, "100", "weights.bin", out _);
        builder.Graph.Initializer.First(t => t.Name == "100").ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "4096" });
        var path = builder.Write(directory.File("range.onnx"));

        Assert.Contains("do not hold the 256 bytes", SingleErrorLine(path), StringComparison.Ordinal);
    }

    [Fact]
    public void GarbageTruncatedAndHostileFilesGiveOneErrorLine()
    {
        var good = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 9)).ToBytes();
        File.WriteAllBytes(directory.File("garbage.onnx"), [.. Enumerable.Repeat((byte)0xFF, 64)]);
        File.WriteAllBytes(directory.File("truncated.onnx"), good[..(good.Length / 2)]);
        File.WriteAllBytes(directory.File("empty.onnx"), []);

        var huge = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 9));
        var weight = huge.Graph.Initializer.First(t => t.Name == "100");
        weight.Dims.Clear();
        weight.Dims.Add([1L << 40, 1L << 40]);
        huge.Write(directory.File("huge.onnx"));

        var short_ = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 9));
        var shortWeight = short_.Graph.Initializer.First(t => t.Name == "101");
        shortWeight.RawData = ByteString.CopyFrom(shortWeight.RawData.Span[..100]);
        short_.Write(directory.File("short.onnx"));

        Assert.Contains("garbage.onnx: not a readable ONNX model", SingleErrorLine(directory.File("garbage.onnx")), StringComparison.Ordinal);
        Assert.StartsWith("error: truncated.onnx:", SingleErrorLine(directory.File("truncated.onnx")), StringComparison.Ordinal);
        Assert.Contains("empty.onnx: not an ONNX model with a graph", SingleErrorLine(directory.File("empty.onnx")), StringComparison.Ordinal);
        Assert.Contains("is larger than the", SingleErrorLine(directory.File("huge.onnx")), StringComparison.Ordinal);
        Assert.Contains("holds 100 bytes, but its shape [8, 8] needs 256", SingleErrorLine(directory.File("short.onnx")), StringComparison.Ordinal);
    }

    [Fact]
    public void GraphsWithoutAttentionAndLayoutOptionsAreRefused()
    {
        var g = new OnnxGraphBuilder();
        g.Node("Relu", [g.Node("MatMul", [g.Input("x"), g.Matrix("w", new float[2, 2])])]);
        var plain = g.Write(directory.File("mlp.onnx"));
        var model = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 10)).Write(directory.File("bert.onnx"));

        Assert.Contains("found no self-attention layer in the ONNX graph", SingleErrorLine(plain), StringComparison.Ordinal);
        var result = CliRunner.Run("analyze", model, "--layout", "timm", "--no-plots");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --layout applies to safetensors and PyTorch files", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    private static string SingleErrorLine(string path)
    {
        var result = CliRunner.Run("analyze", path, "--no-plots");
        var lines = result.ErrorLines;
        Assert.True(result.ExitCode == 2, result.Error);
        Assert.Single(lines);
        Assert.Empty(result.Output.Trim());
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", lines[0], StringComparison.Ordinal);
        return lines[0];
    }

    private void MoveToExternalData(OnnxGraphBuilder builder, string name, string file, out int bytes)
    {
        var tensor = builder.Graph.Initializer.First(t => t.Name == name);
        var data = tensor.RawData.ToByteArray();
        bytes = data.Length;
        File.WriteAllBytes(directory.File(file), [.. new byte[16], .. data, .. new byte[8]]);
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = file });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "16" });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    // The analysis of the same weights in Linear storage, as the safetensors path computes it.
    private static LayerAnalysis Expected(AttentionWeights w, int heads)
    {
        using var scope = NewDisposeScope();
        Tensor Linear(float[,] m) => tensor(m).t().contiguous();
        var slot = new AttentionSlot("expected", "test", w.Width, heads, cat([Linear(w.Query), Linear(w.Key), Linear(w.Value)], 0), null, Linear(w.Output), null);
        return AttentionAnalysis.Of(slot);
    }

    private static void AssertSame(LayerAnalysis expected, LayerAnalysis actual)
    {
        static double[] Values(LayerAnalysis a) =>
        [
            .. a.QueryKey.SelectMany(Flat), .. Flat(a.ValueProjection), .. a.ValueProjectionPerHead.SelectMany(Flat), a.QueryKeyIdentityScore,
        ];
        static double[] Flat(ProductStatistics s) => [s.MeanDiagonal, s.OffDiagonalMean, s.OffDiagonalStd, s.IdentityScore];
        var (e, a) = (Values(expected), Values(actual));
        Assert.Equal(e.Length, a.Length);
        for (var i = 0; i < e.Length; i++)
        {
            Assert.Equal(e[i], a[i], 5);
        }

        Assert.Contains(e, v => Math.Abs(v) > 0.01);
    }
}
