using System.Diagnostics;
using Mimetic.Data;
using Xunit.Abstractions;

namespace Mimetic.Tests.Data;

/// <summary>Tests on the real CIFAR-10 archive from ../shared/data (skipped where it is missing; see <see cref="RealData"/>).</summary>
public sealed class Cifar10Tests(Cifar10Fixture fixture, ITestOutputHelper output) : IClassFixture<Cifar10Fixture>
{
    private ImageDataset Train => fixture.Splits.Train;

    private ImageDataset Test => fixture.Splits.Test;

    [SkippableFact]
    public void HasTheOfficialSizes()
    {
        fixture.RequireData();
        output.WriteLine($"first load (extract + verify + read): {fixture.FirstLoadTime.TotalSeconds:F2} s");
        Assert.Equal(50_000, Train.Count);
        Assert.Equal(10_000, Test.Count);
        Assert.Equal((3, 32, 32), (Train.Channels, Train.Height, Train.Width));
        Assert.Equal(50_000L * 3072, Train.Pixels.Length);
        Assert.All(Train.CountPerClass(), n => Assert.Equal(5_000, n));
        Assert.All(Test.CountPerClass(), n => Assert.Equal(1_000, n));
    }

    [SkippableFact]
    public void ClassNamesComeFromTheMetaFile()
    {
        fixture.RequireData();
        Assert.Equal(DatasetInfo.Cifar10.ClassNames, Train.ClassNames);
        Assert.Equal("airplane", Train.ClassNames[0]);
        Assert.Equal("truck", Train.ClassNames[9]);
    }

    [SkippableFact]
    public void FirstRecordIsSane()
    {
        fixture.RequireData();
        int label = Train.GetLabel(0);
        Assert.InRange(label, 0, 9);
        ReadOnlySpan<byte> image = Train.GetImage(0);
        Assert.Equal(3072, image.Length);
        int distinct = image.ToArray().Distinct().Count();
        Assert.True(distinct > 20, $"the first image has only {distinct} distinct values");
        double mean = image.ToArray().Average(b => (double)b);
        Assert.InRange(mean, 5, 250);
    }

    [SkippableFact]
    public void PerChannelTrainingMeanMatchesTheCanonicalValues()
    {
        fixture.RequireData();
        var sums = new long[3];
        ReadOnlySpan<byte> pixels = Train.Pixels.Span;
        for (int i = 0; i < Train.Count; i++)
        {
            ReadOnlySpan<byte> image = pixels.Slice(i * 3072, 3072);
            for (int c = 0; c < 3; c++)
            {
                long sum = 0;
                foreach (byte v in image.Slice(c * 1024, 1024))
                {
                    sum += v;
                }

                sums[c] += sum;
            }
        }

        float[] expected = [0.4914f, 0.4822f, 0.4465f];
        for (int c = 0; c < 3; c++)
        {
            double mean = sums[c] / (255.0 * Train.Count * 1024);
            Assert.True(Math.Abs(mean - expected[c]) < 0.001, $"channel {c} mean {mean:F4}, expected {expected[c]}");
        }
    }

    [SkippableFact]
    public void SecondLoadReadsTheCacheWithoutExtractingAgain()
    {
        fixture.RequireData();
        string folder = Path.Combine(fixture.CacheDirectory, ArchiveSpec.Cifar10.CacheFolder);
        string batch = Path.Combine(folder, "cifar-10-batches-bin", "data_batch_1.bin");
        DateTime written = File.GetLastWriteTimeUtc(batch);
        var watch = Stopwatch.StartNew();
        DatasetSplits again = DatasetCatalog.Load("cifar10", fixture.Options);
        output.WriteLine($"first load {fixture.FirstLoadTime.TotalSeconds:F2} s, cached load {watch.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(written, File.GetLastWriteTimeUtc(batch));
        Assert.True(again.Train.Pixels.Span.SequenceEqual(Train.Pixels.Span));
        Assert.True(again.Test.Labels.Span.SequenceEqual(Test.Labels.Span));
        Assert.Empty(Directory.GetDirectories(fixture.CacheDirectory, ".*partial*"));
    }

    [SkippableFact]
    public void AFlippedPixelInTheCachedFilesIsCaughtAndTheCacheRebuilt()
    {
        fixture.RequireData();
        string batch = Path.Combine(fixture.CacheDirectory, ArchiveSpec.Cifar10.CacheFolder, "cifar-10-batches-bin", "data_batch_1.bin");
        DateTime written = File.GetLastWriteTimeUtc(batch);
        using (var file = new FileStream(batch, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 1 + 100;   // a red pixel of the first image (after its label byte)
            int pixel = file.ReadByte();
            file.Position = 1 + 100;
            file.WriteByte((byte)(pixel ^ 0x40));
        }

        File.SetLastWriteTimeUtc(batch, written);   // same size and time stamp: only the content check can tell

        DatasetSplits again = DatasetCatalog.Load("cifar10", fixture.Options);

        Assert.True(again.Train.Pixels.Span.SequenceEqual(Train.Pixels.Span));
        Assert.NotEqual(written, File.GetLastWriteTimeUtc(batch));
    }

    [SkippableFact]
    public void BalancedSubsetOfTheRealData()
    {
        fixture.RequireData();
        ImageDataset subset = Train.BalancedSubset(1_005, seed: 3);
        Assert.Equal(1_005, subset.Count);
        Assert.Equal([101, 101, 101, 101, 101, 100, 100, 100, 100, 100], subset.CountPerClass());
    }

    [SkippableFact]
    public void EvaluationLoaderCoversTheTestSetInOrder()
    {
        fixture.RequireData();
        using var loader = new BatchLoader(Test, BatchLoaderOptions.Evaluation(384));
        int seen = 0;
        foreach (DataBatch batch in loader.Epoch(0))
        {
            using (batch)
            {
                Assert.Equal(new long[] { batch.Count, 3, 32, 32 }, batch.Images.shape);
                long[] labels = batch.Labels.data<long>().ToArray();
                for (int i = 0; i < batch.Count; i++)
                {
                    Assert.Equal(seen + i, batch.SampleIndices[i]);
                    Assert.Equal(Test.GetLabel(seen + i), labels[i]);
                }

                seen += batch.Count;
            }
        }

        Assert.Equal(10_000, seen);
        output.WriteLine($"consumer waited {loader.WaitTime.TotalMilliseconds:F0} ms in total");
    }
}
