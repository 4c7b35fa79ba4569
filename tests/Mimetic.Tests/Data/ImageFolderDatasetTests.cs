using Mimetic.Data;
using Mimetic.Export;
using Mimetic.Io;
using Mimetic.Tests.Analysis;
using Mimetic.Tests.Cli;
using Mimetic.Tests.Export;
using Mimetic.Training;
using Mimetic.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Mimetic.Tests.Data;

public sealed class ImageFolderDatasetTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private DatasetLoadOptions Options => new() { CacheDirectory = directory.File("cache"), AllowDownload = false };

    [SkippableFact]
    public void TrainingOnAFolderOfPngsEqualsTrainingOnTheSameCifarImages()
    {
        var cifar = RealData.Load(() => DatasetCatalog.Load("cifar10", new DatasetLoadOptions { AllowDownload = false }));
        // The folder lists images class by class, by file name: the binary subsets in that order are the same data.
        var train = ByClass(cifar.Train.BalancedSubset(200, 0));
        var val = ByClass(cifar.Test.BalancedSubset(100, 0));
        var root = directory.File("cifar-png");
        ImageFolderWriter.Write(train, Path.Combine(root, "train"));
        ImageFolderWriter.Write(val, Path.Combine(root, "val"));
        var config = new TrainingConfig { Model = "vit-micro", Dataset = ImageFolderDataset.Prefix + root, Epochs = 1, BatchSize = 50, Seed = 3 };

        var (folderConfig, folder) = VisionData.Load(config, Options);

        Assert.Equal(train.Pixels.ToArray(), folder.Train.Pixels.ToArray());
        Assert.Equal(val.Pixels.ToArray(), folder.Test.Pixels.ToArray());
        Assert.Equal(train.Labels.ToArray(), folder.Train.Labels.ToArray());
        Assert.Equal(DatasetInfo.Cifar10.ClassNames, folderConfig.ImageFolder!.Classes);
        var (mean, std) = MeanAndStd(train);
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(mean[c], folderConfig.ImageFolder.Mean[c], 1e-5);
            Assert.Equal(std[c], folderConfig.ImageFolder.Std[c], 1e-5);
        }

        // The binary images with the folder's normalisation, trained alike: every weight equal, bit for bit.
        var info = DatasetInfo.Cifar10 with { Mean = folderConfig.ImageFolder.Mean, Std = folderConfig.ImageFolder.Std };
        var binary = new DatasetSplits(
            new ImageDataset(info, train.Pixels.ToArray(), train.Labels.ToArray()),
            new ImageDataset(info, val.Pixels.ToArray(), val.Labels.ToArray()));
        var fromFolder = Train(folderConfig, folder, "folder-run");
        var fromBinary = Train(config with { Dataset = "cifar10" }, binary, "binary-run");

        Assert.Equal(fromBinary.Metrics.Single().TrainLoss, fromFolder.Metrics.Single().TrainLoss);
        Assert.Equal(fromBinary.Metrics.Single().TestAccuracy, fromFolder.Metrics.Single().TestAccuracy);
        var a = Safetensors.Open(new RunFiles(directory.File("folder-run")).WeightsPath(1));
        var b = Safetensors.Open(new RunFiles(directory.File("binary-run")).WeightsPath(1));
        var names = a.Entries.Select(e => e.Name).ToList();
        Assert.Equal(names, b.Entries.Select(e => e.Name));
        foreach (var name in names)
        {
            using var x = a.Read(name);
            using var y = b.Read(name);
            Assert.True(x.eq(y).all().item<bool>(), $"{name} differs");
        }

        var initial = Safetensors.Open(new RunFiles(directory.File("folder-run")).WeightsPath(0));
        using var before = initial.Read("head.weight");
        using var after = a.Read("head.weight");
        Assert.False(before.eq(after).all().item<bool>());   // training did change the weights
    }

    [Fact]
    public void WithoutTrainAndValFoldersEachClassIsSplitBySeed()
    {
        var root = Synthetic(directory.File("shapes"), ["circle", "square", "star"], 10);

        var first = ImageFolderDataset.Load(root, new ImageFolderOptions(ImageSize: 8, ValidationFraction: 0.2, CacheDirectory: directory.File("cache")));
        var again = ImageFolderDataset.Load(root, new ImageFolderOptions(ImageSize: 8, ValidationFraction: 0.2, CacheDirectory: directory.File("cache2")));
        var other = ImageFolderDataset.Load(root, new ImageFolderOptions(ImageSize: 8, ValidationFraction: 0.2, SplitSeed: 1, CacheDirectory: directory.File("cache3")));

        Assert.Equal([8, 8, 8], first.Train.CountPerClass());
        Assert.Equal([2, 2, 2], first.Test.CountPerClass());
        Assert.Equal(["circle", "square", "star"], first.Train.ClassNames);
        Assert.Equal(first.Test.Pixels.ToArray(), again.Test.Pixels.ToArray());
        Assert.NotEqual(first.Test.Pixels.ToArray(), other.Test.Pixels.ToArray());
        Assert.Equal(8, first.Train.Height);
    }

    [Fact]
    public void TheDecodeCacheIsUsedOnlyWhileItsHashHolds()
    {
        var root = Synthetic(directory.File("shapes"), ["a", "b"], 4);
        var options = new ImageFolderOptions(ImageSize: 8, CacheDirectory: directory.File("cache"));
        var first = ImageFolderDataset.Load(root, options);
        var cached = Directory.GetFiles(Path.Combine(directory.File("cache"), "image-folders"), "*.bin").Single();

        // A damaged cache is not read: the images are decoded again.
        var bytes = File.ReadAllBytes(cached);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(cached, bytes);
        var second = ImageFolderDataset.Load(root, options);
        Assert.Equal(first.Train.Pixels.ToArray(), second.Train.Pixels.ToArray());
        Assert.NotEqual(bytes, File.ReadAllBytes(cached));

        // A changed image has another key.
        var file = Directory.GetFiles(Path.Combine(root, "a")).Order(StringComparer.Ordinal).First();
        using (var image = new Image<Rgb24>(8, 8, new Rgb24(1, 2, 3)))
        {
            image.SaveAsPng(file);
        }

        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var third = ImageFolderDataset.Load(root, options);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(directory.File("cache"), "image-folders"), "*.bin").Length);
        Assert.NotEqual(first.Train.Pixels.ToArray().Concat(first.Test.Pixels.ToArray()), third.Train.Pixels.ToArray().Concat(third.Test.Pixels.ToArray()));
    }

    [Theory]
    [InlineData("empty-class")]
    [InlineData("undecodable")]
    [InlineData("huge")]
    [InlineData("one-class")]
    [InlineData("missing")]
    public void BadFoldersSayWhatIsWrongInOneLine(string what)
    {
        var root = directory.File("bad");
        string named;
        if (what == "one-class")
        {
            Synthetic(root, ["only"], 3);
            named = root;
        }
        else if (what == "missing")
        {
            named = root;
        }
        else
        {
            Synthetic(root, ["cat", "dog"], 3);
            switch (what)
            {
                case "empty-class":
                    named = Path.Combine(root, "emu");
                    Directory.CreateDirectory(named);
                    File.WriteAllText(Path.Combine(named, "notes.txt"), "no images here");
                    break;
                case "undecodable":
                    named = Path.Combine(root, "dog", "broken.jpg");
                    File.WriteAllBytes(named, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
                    break;
                default:
                    named = Path.Combine(root, "cat", "bomb.png");
                    using (var image = new Image<L8>(1, 20_000))
                    {
                        image.SaveAsPng(named);
                    }

                    break;
            }
        }

        var result = CliRunner.Run("train", "--dataset", ImageFolderDataset.Prefix + root, "--model", "vit-micro", "--epochs", "1",
            "--batch-size", "2", "--out", directory.File("run"));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderRunExportsItsClassesAndNormalisation()
    {
        var root = Synthetic(directory.File("shapes"), ["circle", "square"], 6);
        var run = directory.File("run");
        var trained = CliRunner.Run("train", "--dataset", ImageFolderDataset.Prefix + root, "--model", "vit-micro", "--epochs", "1",
            "--batch-size", "4", "--image-size", "16", "--val-fraction", "0.34", "--out", run);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var config = new RunFiles(run).ReadConfig<TrainingConfig>();
        Assert.Equal(["circle", "square"], config.ImageFolder!.Classes);
        Assert.Equal(16, config.ImageSize);

        var exported = ModelExport.ToOnnx(run, directory.File("shapes.onnx"));

        var metadata = exported.Model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("[\"circle\",\"square\"]", metadata[ExportMetadata.Classes]);
        Assert.Equal("16", metadata[ExportMetadata.ImageSize]);
        Assert.Equal(config.ImageFolder.Mean, System.Text.Json.JsonSerializer.Deserialize<float[]>(metadata[ExportMetadata.Mean]));

        // Resuming reads the folder again and finds the same classes and statistics.
        var resumed = CliRunner.Run("train", "--resume", run, "--epochs", "2");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(2, new RunFiles(run).ReadMetrics<EpochMetrics>().Count);
    }

    [Fact]
    public void ImageSizeIsOnlyForFolders()
    {
        var result = CliRunner.Run("train", "--dataset", "cifar10", "--image-size", "64", "--model", "vit-micro", "--out", directory.File("run"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("folder datasets", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    private TrainingResult<EpochMetrics> Train(TrainingConfig config, DatasetSplits data, string name)
    {
        using var task = new VisionTask(config, data);
        return new TrainingLoop<EpochMetrics>(task, directory.File(name)).Run();
    }

    private static ImageDataset ByClass(ImageDataset data) =>
        data.Subset([.. Enumerable.Range(0, data.Count).OrderBy(data.GetLabel).ThenBy(i => i)]);

    private static (double[] Mean, double[] Std) MeanAndStd(ImageDataset data)
    {
        var plane = data.Height * data.Width;
        var mean = new double[3];
        var std = new double[3];
        for (var c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, data.Count).SelectMany(i => data.GetImage(i).Slice(c * plane, plane).ToArray()).Select(b => b / 255.0).ToList();
            mean[c] = values.Average();
            std[c] = Math.Sqrt(values.Average(v => (v - mean[c]) * (v - mean[c])));
        }

        return (mean, std);
    }

    private static string Synthetic(string root, string[] classes, int perClass)
    {
        var random = new Random(1);
        foreach (var name in classes)
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            for (var i = 0; i < perClass; i++)
            {
                using var image = new Image<Rgb24>(12, 10);
                for (var y = 0; y < 10; y++)
                {
                    for (var x = 0; x < 12; x++)
                    {
                        image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                    }
                }

                image.SaveAsPng(Path.Combine(root, name, $"{i:D2}.png"));
            }
        }

        return root;
    }
}
