using Mimetic.Data;
using TorchSharp;

namespace Mimetic.Tests.Data;

public sealed class BatchLoaderTests
{
    private readonly ImageDataset _data = TestData.Synthetic(1000);

    [Fact]
    public void EveryImageOncePerEpoch()
    {
        using var loader = new BatchLoader(_data, BatchLoaderOptions.Training(64, seed: 1) with { DropLast = false });

        int[] seen = [.. Indices(loader, epoch: 0)];

        Assert.Equal(1000, seen.Length);
        Assert.Equal(Enumerable.Range(0, 1000), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 1000), seen);
        Assert.Equal(16, loader.BatchesPerEpoch);
    }

    [Fact]
    public void DropLastDropsThePartialBatch()
    {
        using var loader = new BatchLoader(_data, BatchLoaderOptions.Training(64, seed: 1));

        int[] seen = [.. Indices(loader, epoch: 0)];

        Assert.Equal(15 * 64, seen.Length);
        Assert.Equal(seen.Length, seen.Distinct().Count());
        Assert.Equal(15, loader.BatchesPerEpoch);
    }

    [Fact]
    public void SameSeedAndEpochGiveTheSameOrderAndImages()
    {
        var options = BatchLoaderOptions.Training(100, seed: 9, AugmentationOptions.Standard with { RandAugment = new RandAugmentOptions() });
        using var first = new BatchLoader(_data, options);
        using var second = new BatchLoader(_data, options with { PrefetchBatches = 1 });

        Assert.Equal(Indices(first, 3), Indices(second, 3));
        Assert.Equal(Images(first, 3), Images(second, 3));
        Assert.NotEqual(Indices(first, 3), Indices(first, 4));
        Assert.NotEqual(Images(first, 3), Images(first, 4));
        using var otherSeed = new BatchLoader(_data, options with { Seed = 10 });
        Assert.NotEqual(Indices(first, 3), Indices(otherSeed, 3));
    }

    [Fact]
    public void EvaluationKeepsOrderAndTheLastPartialBatchWithoutAugmentation()
    {
        using var loader = new BatchLoader(_data, BatchLoaderOptions.Evaluation(300));
        var normalizer = PixelNormalizer.For(_data.Info);
        var counts = new List<int>();
        int next = 0;

        foreach (DataBatch batch in loader.Epoch(0))
        {
            using (batch)
            {
                counts.Add(batch.Count);
                Assert.Equal(torch.ScalarType.Float32, batch.Images.dtype);
                Assert.Equal(torch.ScalarType.Int64, batch.Labels.dtype);
                Assert.Equal(new long[] { batch.Count, 3, 8, 8 }, batch.Images.shape);
                Assert.Equal(new long[] { batch.Count }, batch.Labels.shape);
                float[] images = batch.Images.data<float>().ToArray();
                long[] labels = batch.Labels.data<long>().ToArray();
                var expected = new float[192];
                for (int i = 0; i < batch.Count; i++, next++)
                {
                    Assert.Equal(next, batch.SampleIndices[i]);
                    Assert.Equal(_data.GetLabel(next), labels[i]);
                    normalizer.Normalize(_data.GetImage(next), expected);
                    Assert.Equal(expected, images.AsSpan(i * 192, 192).ToArray());
                }
            }
        }

        Assert.Equal([300, 300, 300, 100], counts);
    }

    [Fact]
    public void NormalisationUsesTheDatasetStatistics()
    {
        var normalizer = new PixelNormalizer([0.5f], [0.25f]);
        var output = new float[3];

        normalizer.Normalize([0, 255, 51], output);

        Assert.Equal(-2f, output[0], 5);
        Assert.Equal(2f, output[1], 5);
        Assert.Equal(((51 / 255f) - 0.5f) / 0.25f, output[2], 5);
    }

    [Fact]
    public async Task StoppingEarlyDoesNotHang()
    {
        using var loader = new BatchLoader(_data, BatchLoaderOptions.Training(10, seed: 1) with { PrefetchBatches = 2 });
        Task finished = Task.Run(() =>
        {
            foreach (DataBatch batch in loader.Epoch(0))
            {
                batch.Dispose();
                Thread.Sleep(50);
                break;
            }

            using IEnumerator<DataBatch> abandoned = loader.Epoch(1).GetEnumerator();
            Assert.True(abandoned.MoveNext());
            abandoned.Current.Dispose();
        });

        // Throws TimeoutException if breaking out of an epoch hangs.
        await finished.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DisposingTheLoaderStopsAnAbandonedEpoch()
    {
        var loader = new BatchLoader(_data, BatchLoaderOptions.Training(10, seed: 1) with { PrefetchBatches = 1 });
        IEnumerator<DataBatch> abandoned = loader.Epoch(0).GetEnumerator();
        Assert.True(abandoned.MoveNext());
        abandoned.Current.Dispose();

        await Task.Run(loader.Dispose).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(1));
        abandoned.Dispose();
    }

    [Fact]
    public void MeasuresTheTimeSpentWaiting()
    {
        using var loader = new BatchLoader(_data, BatchLoaderOptions.Evaluation(100));

        Assert.Equal(TimeSpan.Zero, loader.WaitTime);
        Assert.Equal(10, Indices(loader, 0).Count / 100);
        Assert.True(loader.WaitTime > TimeSpan.Zero);
        Assert.True(loader.LastEpochWaitTime <= loader.WaitTime);
    }

    [Fact]
    public void RefusesBadOptions()
    {
        Assert.Throws<DataException>(() => new BatchLoader(_data, new BatchLoaderOptions(0)));
        Assert.Throws<DataException>(() => new BatchLoader(_data, new BatchLoaderOptions(10, PrefetchBatches: 0)));
    }

    private static List<int> Indices(BatchLoader loader, int epoch)
    {
        var indices = new List<int>();
        foreach (DataBatch batch in loader.Epoch(epoch))
        {
            using (batch)
            {
                indices.AddRange(batch.SampleIndices);
            }
        }

        return indices;
    }

    private static List<float> Images(BatchLoader loader, int epoch)
    {
        var values = new List<float>();
        foreach (PreparedBatch batch in loader.EnumeratePrepared(epoch))
        {
            values.AddRange(batch.Images);
        }

        return values;
    }
}
