using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class ImageDatasetTests
{
    [Fact]
    public void BalancedSubsetHasEqualClassCounts()
    {
        ImageDataset data = TestData.Synthetic(1000);

        ImageDataset subset = data.BalancedSubset(200, seed: 1);

        Assert.Equal(200, subset.Count);
        Assert.All(subset.CountPerClass(), n => Assert.Equal(20, n));
    }

    [Fact]
    public void BalancedSubsetSpreadsTheRemainderOverTheFirstClasses()
    {
        ImageDataset subset = TestData.Synthetic(1000).BalancedSubset(23, seed: 1);

        Assert.Equal([3, 3, 3, 2, 2, 2, 2, 2, 2, 2], subset.CountPerClass());
    }

    [Fact]
    public void BalancedSubsetIsDeterministicPerSeed()
    {
        ImageDataset data = TestData.Synthetic(1000);

        byte[] a = data.BalancedSubset(100, seed: 5).Pixels.ToArray();
        byte[] b = data.BalancedSubset(100, seed: 5).Pixels.ToArray();
        byte[] c = data.BalancedSubset(100, seed: 6).Pixels.ToArray();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void BalancedSubsetKeepsImagesWithTheirLabels()
    {
        ImageDataset data = TestData.Synthetic(250);
        ImageDataset subset = data.BalancedSubset(50, seed: 2);

        for (int i = 0; i < subset.Count; i++)
        {
            int original = Enumerable.Range(0, data.Count).Single(j => data.GetImage(j).SequenceEqual(subset.GetImage(i)));
            Assert.Equal(data.GetLabel(original), subset.GetLabel(i));
        }
    }

    [Fact]
    public void BalancedSubsetRefusesBadSizes()
    {
        ImageDataset data = TestData.Synthetic(100);

        Assert.Contains("only 100", Assert.Throws<DataException>(() => data.BalancedSubset(101, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("at least one image per class", Assert.Throws<DataException>(() => data.BalancedSubset(9, 0)).Message, StringComparison.Ordinal);
        ImageDataset fewZeros = data.Subset([.. Enumerable.Range(0, 100).Where(i => data.GetLabel(i) != 0 || i < 20)]);
        Assert.Contains("class 0 (class0) has 2 images", Assert.Throws<DataException>(() => fewZeros.BalancedSubset(50, 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConstructorRefusesInconsistentArrays()
    {
        DatasetInfo info = TestData.Synthetic(1).Info;

        Assert.Throws<DataException>(() => new ImageDataset(info, new byte[10], [0]));
        Assert.Throws<DataException>(() => new ImageDataset(info, new byte[192], [10]));
    }
}
