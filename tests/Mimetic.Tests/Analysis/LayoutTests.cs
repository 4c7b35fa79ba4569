using Mimetic.Analysis;
using Mimetic.Io;
using Mimetic.Analysis.Layouts;
using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Tests.Analysis;

public class LayoutTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Layouts => new(LayoutFiles.Layouts);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void IdentityConstructionGivesTheExpectedStatistics(string layout)
    {
        // One head: W_q·W_kᵀ = 2·I and W_v·W_proj = −I.
        using var directory = new TemporaryDirectory();
        var path = LayoutFiles.WriteSafetensors(directory.Path, layout, [MathLayer.Identity(4)], heads: 1);

        var analysis = ModelFileAnalysis.Analyze(path);

        Assert.Equal(LayoutFiles.ReportedName(layout), analysis.Layout);
        var layer = Assert.Single(analysis.Layers).Statistics;
        var queryKey = Assert.Single(layer.QueryKey);
        Assert.Equal(2, queryKey.MeanDiagonal, Tolerance);
        Assert.Equal(0, queryKey.OffDiagonalMean, Tolerance);
        Assert.Equal(0, queryKey.OffDiagonalStd, Tolerance);
        Assert.Equal(1, queryKey.IdentityScore, Tolerance);
        foreach (var valueProjection in new[] { layer.ValueProjection, Assert.Single(layer.ValueProjectionPerHead) })
        {
            Assert.Equal(-1, valueProjection.MeanDiagonal, Tolerance);
            Assert.Equal(0, valueProjection.OffDiagonalStd, Tolerance);
            Assert.Equal(-1, valueProjection.IdentityScore, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ProductsOfRandomWeightsMatchTheMathConvention(string layout)
    {
        // Random, non-symmetric weights: a missing or extra transpose, or a wrong head split, changes the products.
        const int width = 8, heads = 2;
        var generator = new Generator(7);
        var layers = new[] { MathLayer.Random(width, generator), MathLayer.Random(width, generator) };
        using var directory = new TemporaryDirectory();
        var path = LayoutFiles.WriteSafetensors(directory.Path, layout, layers, heads: null, prefix: "module.");

        var analysis = ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Heads: heads));

        Assert.Equal(("--heads", 2), (analysis.HeadsSource, analysis.Layers.Count));
        Assert.StartsWith("module.", analysis.Layers[0].Statistics.Name, StringComparison.Ordinal);
        for (var i = 0; i < layers.Length; i++)
        {
            var found = analysis.Layers[i];
            AssertClose(layers[i].ExpectedValueProjection(), found.ValueProjection);
            for (var head = 0; head < heads; head++)
            {
                AssertClose(layers[i].ExpectedQueryKey(head, heads), found.QueryKey[head]);
                AssertClose(layers[i].ExpectedValueProjection(head, heads), found.ValueProjectionPerHead[head]);
            }
        }
    }

    [Fact]
    public void Gpt2StateDictInPyTorchFormatIsReadThroughPyBridge()
    {
        var generator = new Generator(11);
        var layer = MathLayer.Random(8, generator);
        using var directory = new TemporaryDirectory();
        var path = directory.File("pytorch_model.bin");
        PyTorchStateDict.Write(path, LayoutFiles.Tensors("gpt2", [layer, layer], prefix: "transformer."));

        var analysis = ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Heads: 2));

        Assert.Equal((WeightFile.PyTorchFormat, "gpt2", "tensor names"), (analysis.Format, analysis.Layout, analysis.LayoutSource));
        Assert.Equal(["transformer.h.0.attn", "transformer.h.1.attn"], analysis.Layers.Select(l => l.Statistics.Name));
        Assert.Equal("gpt2-conv1d", analysis.Layers[0].Kind);
        AssertClose(layer.ExpectedQueryKey(1, 2), analysis.Layers[1].QueryKey[1]);
        AssertClose(layer.ExpectedValueProjection(), analysis.Layers[1].ValueProjection);
    }

    [Fact]
    public void CheckpointWithANestedStateDictIsFlattenedWithDottedNames()
    {
        // torch.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.pt")
        var layer = MathLayer.Identity(4);
        using var directory = new TemporaryDirectory();
        var path = directory.File("checkpoint.pt");
        var state = LayoutFiles.Tensors("torch-mha", [layer]).ToDictionary(t => t.Name, t => t.Tensor);
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(path, new System.Collections.Hashtable { ["model"] = state, ["epoch"] = 3 });

        var analysis = ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Heads: 1));

        Assert.Equal(("torch-mha", "model.layers.0.self_attn"), (analysis.Layout, Assert.Single(analysis.Layers).Statistics.Name));
        Assert.Equal(-1, analysis.Layers[0].Statistics.ValueProjection.IdentityScore, Tolerance);
    }

    [Fact]
    public void HeadCountComesFromAConfigJsonBesideTheFile()
    {
        using var directory = new TemporaryDirectory();
        var path = LayoutFiles.WriteSafetensors(directory.Path, "gpt2", [MathLayer.Identity(8)], heads: null);
        File.WriteAllText(directory.File("config.json"), """{"model_type": "gpt2", "n_head": 4, "n_embd": 8}""");

        var analysis = ModelFileAnalysis.Analyze(path);

        Assert.Equal((4, "config.json n_head"), (analysis.Heads, analysis.HeadsSource));
    }

    [Fact]
    public void MimeticInitializedVisionTransformerShowsThePaperPatterns()
    {
        using var model = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), "mimetic", seed: 3);
        using var directory = new TemporaryDirectory();
        var path = directory.File("vit-micro.safetensors");
        Safetensors.Write(path, model.state_dict().Select(p => (p.Key, p.Value)), new Dictionary<string, string> { ["mimetic.heads"] = "2" });

        var analysis = ModelFileAnalysis.Analyze(path);

        Assert.Equal(("timm", "tensor names", 2, "metadata mimetic.heads"), (analysis.Layout, analysis.LayoutSource, analysis.Heads, analysis.HeadsSource));
        Assert.Equal(["blocks.0.attn", "blocks.1.attn"], analysis.Layers.Select(l => l.Statistics.Name));
        foreach (var layer in analysis.Layers.Select(l => l.Statistics))
        {
            Assert.InRange(layer.ValueProjection.MeanDiagonal, -0.5, -0.3);     // β2 = 0.4, sign −1
            Assert.True(layer.ValueProjection.IdentityScore < -0.5, $"VO identity score {layer.ValueProjection.IdentityScore}");
            Assert.All(layer.QueryKey, s => Assert.True(s.IdentityScore > 0.3, $"QK identity score {s.IdentityScore}"));
        }
    }

    [Fact]
    public void MissingHeadCountIsAClearError()
    {
        using var directory = new TemporaryDirectory();
        var path = LayoutFiles.WriteSafetensors(directory.Path, "gpt2", [MathLayer.Identity(8)], heads: null);

        var error = Assert.Throws<ArgumentException>(() => ModelFileAnalysis.Analyze(path));

        Assert.Contains("head count", error.Message, StringComparison.Ordinal);
        Assert.Contains("--heads", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void HeadCountThatDoesNotDivideTheWidthIsAClearError()
    {
        using var directory = new TemporaryDirectory();
        var path = LayoutFiles.WriteSafetensors(directory.Path, "timm", [MathLayer.Identity(8)], heads: 3);

        var error = Assert.Throws<ArgumentException>(() => ModelFileAnalysis.Analyze(path));

        Assert.Contains("not divisible by 3 heads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileWithoutAttentionWeightsIsAClearError()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("mlp.safetensors");
        Safetensors.Write(path, [("fc.weight", ones(4, 4))], new Dictionary<string, string> { ["mimetic.heads"] = "1" });

        var error = Assert.Throws<ArgumentException>(() => ModelFileAnalysis.Analyze(path));

        Assert.Contains("no attention weights", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplicitLayoutThatDoesNotMatchIsAClearError()
    {
        using var directory = new TemporaryDirectory();
        var path = LayoutFiles.WriteSafetensors(directory.Path, "timm", [MathLayer.Identity(4)], heads: 1);

        var error = Assert.Throws<ArgumentException>(() => ModelFileAnalysis.Analyze(path, new ModelAnalysisOptions(Layout: "gpt2")));

        Assert.Contains("gpt2 layout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FusedWeightOfTheWrongShapeIsAnInvalidModelFile()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("odd.safetensors");
        Safetensors.Write(path, [("blocks.0.attn.qkv.weight", ones(5, 4)), ("blocks.0.attn.proj.weight", ones(4, 4))],
            new Dictionary<string, string> { ["mimetic.heads"] = "1" });

        var error = Assert.Throws<InvalidModelFileException>(() => ModelFileAnalysis.Analyze(path));

        Assert.Contains("expected [3d, d]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LayersComeInNaturalOrder()
    {
        var names = new[] { "h.10.attn.c_attn.weight", "h.10.attn.c_proj.weight", "h.2.attn.c_attn.weight", "h.2.attn.c_proj.weight", "h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight" };

        var layers = AttentionLayouts.Get("gpt2").FindLayers(names);

        Assert.Equal(["h.0.attn.", "h.2.attn.", "h.10.attn."], layers);
    }

    [Fact]
    public void AnchorMustBeAWholeNamePart()
    {
        // "to_qkv.weight" is not "qkv.weight".
        Assert.Empty(AttentionLayouts.Get("timm").FindLayers(["attn.to_qkv.weight", "attn.to_proj.weight"]));
        Assert.Equal([""], AttentionLayouts.Get("timm").FindLayers(["qkv.weight", "proj.weight"]));
    }

    private static void AssertClose(Tensor expected, double[,] actual)
    {
        var found = tensor(actual.Cast<double>().ToArray()).reshape(actual.GetLength(0), actual.GetLength(1));
        Assert.Equal(expected.shape, found.shape);
        Assert.True(found.allclose(expected.to(ScalarType.Float64), rtol: 1e-4, atol: 1e-4),
            $"products differ: max |Δ| = {(found - expected.to(ScalarType.Float64)).abs().max().item<double>()}");
    }
}
