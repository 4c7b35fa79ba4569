using System.Text.Json;
using Mimetic.Cli.Prediction;
using Mimetic.Data;
using Mimetic.Models;
using Mimetic.Tests.Analysis;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using Mimetic.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Mimetic.Tests.Export;

public sealed class PredictTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [SkippableFact]
    public void PredictOnCifarTestImagesMatchesTheRunsOwnEvaluation()
    {
        RealData.RequireCifar10();
        var run = directory.File("run");
        var trained = CliRunner.Run("train", "--model", "vit-micro", "--train-size", "500", "--test-size", "500", "--batch-size", "100",
            "--epochs", "1", "--warmup", "0", "--out", run);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var onnx = directory.File("vit.onnx");
        Assert.Equal(0, CliRunner.Run("export", run, "--onnx", onnx).ExitCode);

        // The run's test split: the same balanced subset of the CIFAR-10 test images, written as PNGs by class.
        var splits = RealData.Load(() => DatasetCatalog.Load("cifar10", new DatasetLoadOptions { AllowDownload = false }));
        var test = splits.Test.BalancedSubset(500, Experiment.SubsetSeed);
        var folder = directory.File("test");
        ImageFolderWriter.Write(test, folder);

        var result = CliRunner.Run("predict", onnx, folder, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(500, root.GetProperty("total").GetInt32());
        var evaluated = new RunFiles(run).ReadMetrics<EpochMetrics>().Single().TestAccuracy;
        Assert.Equal(evaluated, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.True(File.Exists(root.GetProperty("confusionImage").GetString()));
        var confusion = root.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(50, confusion[0].Sum());
        Assert.Equal(root.GetProperty("correct").GetInt32(), Enumerable.Range(0, 10).Sum(i => confusion[i][i]));

        // Image by image, ONNX Runtime's choice is TorchSharp's.
        var config = VisionPresets.Get("vit-micro");
        using var model = new VisionTransformer(config);
        Checkpoint.LoadWeights(new RunFiles(run).WeightsPath(1), model);
        model.eval();
        using var loader = new BatchLoader(test, BatchLoaderOptions.Evaluation(500));
        var batch = loader.Epoch(0).Single();
        long[] expected;
        using (no_grad())
        {
            expected = model.call(batch.Images).argmax(1).data<long>().ToArray();
        }

        Assert.True(expected.Distinct().Count() >= 3, "the weights should not predict (nearly) one class for every image");
        var files = root.GetProperty("images").EnumerateArray().ToList();
        var byName = files.ToDictionary(f => Path.GetFileName(f.GetProperty("file").GetString()!), f => f.GetProperty("predicted").GetInt32());
        for (var i = 0; i < test.Count; i++)
        {
            Assert.Equal(expected[i], byName[$"{i:D5}.png"]);
        }
    }

    [Fact]
    public void AnImageIsPreparedAsTrainingPreparesIt()
    {
        // A 40×64 RGBA image: the shorter side becomes 32, the centre 32×32 is kept, alpha is dropped.
        var path = directory.File("tall.png");
        using (var image = new Image<Rgba32>(40, 64))
        {
            for (var y = 0; y < 64; y++)
            {
                for (var x = 0; x < 40; x++)
                {
                    image[x, y] = new Rgba32((byte)(x * 6), (byte)(y * 4), 200, (byte)(y % 2 == 0 ? 0 : 255));
                }
            }

            image.SaveAsPng(path);
        }

        var pixels = ImageFiles.Load(path, 32, 3);

        Assert.Equal(3 * 32 * 32, pixels.Length);
        Assert.All(pixels.AsSpan(2 * 1024, 1024).ToArray(), b => Assert.Equal(200, b));        // blue kept whatever the alpha
        Assert.True(pixels[1024 + (31 * 32)] > pixels[1024], "green grows downwards");
        Assert.True(pixels[31] > pixels[0], "red grows to the right");
    }

    [Fact]
    public void AGrayImageBecomesThreeEqualChannels()
    {
        var path = directory.File("gray.png");
        using (var image = new Image<L8>(32, 32))
        {
            image[3, 4] = new L8(77);
            image.SaveAsPng(path);
        }

        var pixels = ImageFiles.Load(path, 32, 3);

        Assert.Equal(77, pixels[(4 * 32) + 3]);
        Assert.Equal(pixels.AsSpan(0, 1024).ToArray(), pixels.AsSpan(1024, 1024).ToArray());
        Assert.Equal(pixels.AsSpan(0, 1024).ToArray(), pixels.AsSpan(2048, 1024).ToArray());
    }

    [Theory]
    [InlineData("text")]
    [InlineData("huge")]
    [InlineData("unknown-class")]
    [InlineData("not-a-classifier")]
    public void BadPredictInputsSayWhatIsWrongInOneLine(string what)
    {
        var weights = directory.File("vit.safetensors");
        Assert.Equal(0, CliRunner.Run("init", "--model", "vit-micro", "--out", weights).ExitCode);
        var onnx = directory.File("vit.onnx");
        Assert.Equal(0, CliRunner.Run("export", weights, "--onnx", onnx, "--dataset", "cifar10").ExitCode);
        string target;
        switch (what)
        {
            case "text":
                target = directory.File("notes.png");
                File.WriteAllText(target, "not an image");
                break;
            case "huge":
                target = directory.File("bomb.png");
                using (var image = new Image<L8>(20_000, 1))
                {
                    image.SaveAsPng(target);
                }

                break;
            case "unknown-class":
                target = directory.File("labelled");
                Directory.CreateDirectory(Path.Combine(target, "giraffe"));
                break;
            default:
                target = directory.File("x.png");
                using (var image = new Image<Rgb24>(32, 32))
                {
                    image.SaveAsPng(target);
                }

                onnx = directory.File("gpt.onnx");
                var gpt = directory.File("gpt.safetensors");
                var config = GptPresets.Get("gpt-micro", 30);
                using (var model = ModelFactory.CreateGpt(config, "default", 0))
                {
                    Checkpoint.SaveWeights(gpt, model, Checkpoint.Metadata("mimetic-gpt", config.Heads, "gpt-micro", "default", 0, config));
                }

                Assert.Equal(0, CliRunner.Run("export", gpt, "--onnx", onnx).ExitCode);
                break;
        }

        var result = CliRunner.Run("predict", onnx, target);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.Contains(what == "not-a-classifier" ? "gpt.onnx" : Path.GetFileName(target), line, StringComparison.Ordinal);
    }

    [Fact]
    public void EachImageGetsItsTopClassesInOneLine()
    {
        var weights = directory.File("vit.safetensors");
        Assert.Equal(0, CliRunner.Run("init", "--model", "vit-micro", "--out", weights).ExitCode);
        var onnx = directory.File("vit.onnx");
        Assert.Equal(0, CliRunner.Run("export", weights, "--onnx", onnx, "--dataset", "cifar10").ExitCode);
        var folder = directory.File("photos");
        Directory.CreateDirectory(folder);
        foreach (var (name, color) in new[] { ("red.png", new Rgb24(250, 10, 10)), ("blue.jpg", new Rgb24(10, 10, 250)) })
        {
            using var image = new Image<Rgb24>(50, 30, color);
            image.Save(Path.Combine(folder, name));
        }

        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image: skipped");

        var result = CliRunner.Run("predict", onnx, folder, "--top", "2");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(Path.Combine(folder, "blue.jpg") + ": ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(folder, "red.png") + ": ", lines[1], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.Equal(2, l.Split(", ").Length));
        Assert.All(lines, l => Assert.Contains(DatasetInfo.Cifar10.ClassNames, c => l.Contains(": " + c + " ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ClassifierProbabilitiesSumToOne()
    {
        var weights = directory.File("vit.safetensors");
        Assert.Equal(0, CliRunner.Run("init", "--model", "vit-micro", "--out", weights).ExitCode);
        var onnx = directory.File("vit.onnx");
        Assert.Equal(0, CliRunner.Run("export", weights, "--onnx", onnx, "--dataset", "cifar10").ExitCode);
        using var classifier = OnnxImageClassifier.Open(onnx);
        var images = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 3 * 32 * 32).Select(j => (byte)((i * 31 + j) % 256)).ToArray()).ToList();

        var probabilities = classifier.Classify(images);

        Assert.Equal(3, probabilities.Length);
        Assert.All(probabilities, p => Assert.Equal(1.0, p.Sum(), 5));
        Assert.Equal(DatasetInfo.Cifar10.ClassNames, classifier.Classes);
    }
}
