using System.Text.Json;
using Mimetic.Analysis;
using Mimetic.Export;
using Mimetic.Models;
using Mimetic.Tests.Analysis;
using Mimetic.Training;
using static TorchSharp.torch;

namespace Mimetic.Tests.Export;

public sealed class OnnxExportTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("vit-micro", "mimetic", 4)]
    [InlineData("vit-micro", "default", 1)]
    [InlineData("vit-cpu", "mimetic", 3)]
    public void VisionExportComputesTorchSharpsLogits(string preset, string init, int batch)
    {
        using var model = ModelFactory.CreateVision(VisionPresets.Get(preset), init, seed: 7);
        AssertSameLogits(model, batch, seed: 11);
    }

    [Fact]
    public void ClassTokenAndLearnedPositionsExportToo()
    {
        var config = new VisionTransformerConfig(ImageSize: 16, PatchSize: 4, Classes: 5, Width: 24, Depth: 2, Heads: 3,
            Position: PositionEmbedding.Learned, Pool: Pooling.ClassToken);
        using var model = ModelFactory.CreateVision(config, "mimetic", seed: 3);
        using (no_grad())
        {
            // A class token and positions far from their init, so a wrong place for either shows.
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name is "cls_token" or "pos_embed")
                {
                    parameter.copy_(randn(parameter.shape, generator: new TorchSharp.torch.Generator(5)));
                }
            }
        }

        AssertSameLogits(model, batch: 3, seed: 2);
    }

    [Theory]
    [InlineData("learned", 20)]
    [InlineData("sincos", 32)]
    public void GptExportComputesTorchSharpsLogits(string position, int length)
    {
        var config = GptPresets.Get("gpt-micro", vocabSize: 65) with { Position = GptPositions.Parse(position) };
        using var model = ModelFactory.CreateGpt(config, "mimetic", seed: 5);
        model.eval();
        var tokens = randint(0, config.VocabSize, [3, length], dtype: ScalarType.Int64, generator: new TorchSharp.torch.Generator(9));
        float[] expected;
        using (no_grad())
        {
            expected = model.call(tokens).contiguous().data<float>().ToArray();
        }

        var onnx = OnnxExporter.Gpt(model, new Dictionary<string, string>());
        var (actual, shape) = OnnxRuntimeHarness.Run(onnx, OnnxExporter.TokensInput, tokens.data<long>().ToArray(), [3, length]);

        Assert.Equal([3L, length, config.VocabSize], shape);
        AssertClose(expected, actual);
    }

    [Fact]
    public void ExportingARunWritesItsClassesAndNormalisation()
    {
        var config = VisionPresets.Get("vit-micro");
        using var model = ModelFactory.CreateVision(config, "mimetic", seed: 1);
        var run = new RunFiles(directory.File("run"));
        run.WriteConfig(new Vision.TrainingConfig { Model = "vit-micro", Dataset = "cifar10" });
        Checkpoint.SaveWeights(run.WeightsPath(0), model, Checkpoint.Metadata("timm", config.Heads, "vit-micro", "mimetic", 1, config));
        Checkpoint.SaveWeights(run.WeightsPath(2), model, Checkpoint.Metadata("timm", config.Heads, "vit-micro", "mimetic", 1, config));

        var result = ModelExport.ToOnnx(run.Directory, directory.File("model.onnx"));

        Assert.Equal(run.WeightsPath(2), result.Weights);
        Assert.Equal(OnnxExporter.Opset, result.Model.OpsetImport.Single().Version);
        var metadata = result.Model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(Mimetic.Data.DatasetInfo.Cifar10.ClassNames, JsonSerializer.Deserialize<string[]>(metadata[ExportMetadata.Classes]));
        Assert.Equal(Mimetic.Data.DatasetInfo.Cifar10.Mean, JsonSerializer.Deserialize<float[]>(metadata[ExportMetadata.Mean]));
        Assert.Equal(Mimetic.Data.DatasetInfo.Cifar10.Std, JsonSerializer.Deserialize<float[]>(metadata[ExportMetadata.Std]));
        Assert.Equal("32", metadata[ExportMetadata.ImageSize]);
        Assert.Equal("vision", metadata[ExportMetadata.Task]);
        Assert.True(File.Exists(directory.File("model.onnx")));
    }

    [Theory]
    [InlineData("vit-micro")]
    [InlineData("vit-cpu")]
    public void AnalyzeReadsTheSameHeadsFromTheExportAsFromTheWeights(string preset)
    {
        var config = VisionPresets.Get(preset);
        using var model = ModelFactory.CreateVision(config, "mimetic", seed: 4);
        var weights = directory.File(preset + ".safetensors");
        Checkpoint.SaveWeights(weights, model, Checkpoint.Metadata("timm", config.Heads, preset, "mimetic", 4, config));
        var onnx = directory.File(preset + ".onnx");
        ModelExport.ToOnnx(weights, onnx, dataset: "cifar10");

        var fromWeights = ModelFileAnalysis.Analyze(weights);
        var fromOnnx = ModelFileAnalysis.Analyze(onnx);

        Assert.Equal(config.Heads, fromOnnx.Heads);
        Assert.Equal(fromWeights.Layers.Count, fromOnnx.Layers.Count);
        Assert.Equal(config.Depth, fromOnnx.Layers.Count);
        for (var i = 0; i < fromWeights.Layers.Count; i++)
        {
            var expected = fromWeights.Layers[i].Statistics;
            var actual = fromOnnx.Layers[i].Statistics;
            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.Heads, actual.Heads);
            AssertSame(expected.QueryKey, actual.QueryKey);
            AssertSame(expected.ValueProjectionPerHead, actual.ValueProjectionPerHead);
            AssertSame([expected.ValueProjection], [actual.ValueProjection]);
        }
    }

    [Fact]
    public void AnalyzeFindsTheCausalLayersOfAnExportedGpt()
    {
        var config = GptPresets.Get("gpt-micro", vocabSize: 40);
        using var model = ModelFactory.CreateGpt(config, "mimetic", seed: 2);
        var weights = directory.File("gpt.safetensors");
        Checkpoint.SaveWeights(weights, model, Checkpoint.Metadata("mimetic-gpt", config.Heads, "gpt-micro", "mimetic", 2, config));
        var onnx = directory.File("gpt.onnx");
        ModelExport.ToOnnx(weights, onnx);

        var fromWeights = ModelFileAnalysis.Analyze(weights);
        var fromOnnx = ModelFileAnalysis.Analyze(onnx);

        Assert.Equal(config.Depth, fromOnnx.Layers.Count);
        for (var i = 0; i < config.Depth; i++)
        {
            AssertSame(fromWeights.Layers[i].Statistics.QueryKey, fromOnnx.Layers[i].Statistics.QueryKey);
        }
    }

    private static void AssertSameLogits(VisionTransformer model, int batch, int seed)
    {
        var config = model.Config;
        model.eval();
        var images = randn([batch, config.Channels, config.ImageSize, config.ImageSize], generator: new TorchSharp.torch.Generator((ulong)seed));
        float[] expected;
        using (no_grad())
        {
            expected = model.call(images).contiguous().data<float>().ToArray();
        }

        var onnx = OnnxExporter.Vision(model, new Dictionary<string, string>());
        var (actual, shape) = OnnxRuntimeHarness.Run(onnx, OnnxExporter.ImagesInput, images.contiguous().data<float>().ToArray(),
            [batch, config.Channels, config.ImageSize, config.ImageSize]);

        Assert.Equal([batch, (long)config.Classes], shape);
        AssertClose(expected, actual);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance, $"max |ONNX − TorchSharp| = {worst:E3} > {Tolerance:E0}");
        Assert.Contains(expected, e => Math.Abs(e) > 10 * Tolerance);   // the logits are not all ~0
    }

    private static void AssertSame(IReadOnlyList<ProductStatistics> expected, IReadOnlyList<ProductStatistics> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var h = 0; h < expected.Count; h++)
        {
            Assert.Equal(expected[h].MeanDiagonal, actual[h].MeanDiagonal, 12);
            Assert.Equal(expected[h].OffDiagonalMean, actual[h].OffDiagonalMean, 12);
            Assert.Equal(expected[h].OffDiagonalStd, actual[h].OffDiagonalStd, 12);
            Assert.Equal(expected[h].IdentityScore, actual[h].IdentityScore, 12);
        }
    }
}
