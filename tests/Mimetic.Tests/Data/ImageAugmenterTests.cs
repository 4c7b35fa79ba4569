using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class ImageAugmenterTests
{
    private const int C = 3;
    private const int H = 6;
    private const int W = 5;

    private static readonly byte[] Image = [.. Enumerable.Range(0, C * H * W).Select(i => (byte)(10 + (i * 3)))];

    [Fact]
    public void KeepsTheShape()
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.Standard with { RandAugment = new RandAugmentOptions(3, 9) }, C, H, W);
        var output = new byte[Image.Length];

        for (int seed = 0; seed < 50; seed++)
        {
            augmenter.Apply(Image, output, seed);
        }

        Assert.Equal(Image.Length, output.Length);
        Assert.Throws<ArgumentException>(() => augmenter.Apply(Image, new byte[Image.Length - 1], 0));
    }

    [Fact]
    public void FlipIsAnExactMirror()
    {
        var augmenter = new ImageAugmenter(new AugmentationOptions { CropPadding = 0, HorizontalFlipProbability = 1 }, C, H, W);
        var output = new byte[Image.Length];

        augmenter.Apply(Image, output, seed: 42);

        for (int c = 0; c < C; c++)
        {
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    Assert.Equal(Image[At(c, y, W - 1 - x)], output[At(c, y, x)]);
                }
            }
        }
    }

    [Fact]
    public void NoAugmentationCopiesTheImage()
    {
        var output = new byte[Image.Length];

        new ImageAugmenter(AugmentationOptions.None, C, H, W).Apply(Image, output, seed: 1);

        Assert.Equal(Image, output);
    }

    [Fact]
    public void CropShiftsAndFillsWithZeros()
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.Standard, C, H, W);
        var output = new byte[Image.Length];

        augmenter.CropAndFlip(Image, output, dy: 1, dx: -2, flip: false);

        for (int c = 0; c < C; c++)
        {
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    int sy = y + 1;
                    int sx = x - 2;
                    byte expected = sy < H && sx >= 0 ? Image[At(c, sy, sx)] : (byte)0;
                    Assert.Equal(expected, output[At(c, y, x)]);
                }
            }
        }
    }

    [Fact]
    public void RandomCropStaysWithinThePadding()
    {
        var augmenter = new ImageAugmenter(new AugmentationOptions { CropPadding = 2, HorizontalFlipProbability = 0 }, 1, 8, 8);
        byte[] ones = [.. Enumerable.Repeat((byte)1, 64)];
        var output = new byte[64];

        for (int seed = 0; seed < 200; seed++)
        {
            augmenter.Apply(ones, output, seed);
            Assert.InRange(output.Count(b => b == 1), 36, 64);
        }
    }

    [Fact]
    public void SameSeedSameResultDifferentSeedsDiffer()
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.Standard with { RandAugment = new RandAugmentOptions() }, C, H, W);
        var a = new byte[Image.Length];
        var b = new byte[Image.Length];

        augmenter.Apply(Image, a, 7);
        augmenter.Apply(Image, b, 7);
        Assert.Equal(a, b);

        var distinct = new HashSet<string>();
        for (int seed = 0; seed < 20; seed++)
        {
            augmenter.Apply(Image, a, seed);
            distinct.Add(Convert.ToHexString(a));
        }

        Assert.True(distinct.Count > 10);
    }

    [Theory]
    [InlineData(RandAugmentOperation.Brightness)]
    [InlineData(RandAugmentOperation.Contrast)]
    [InlineData(RandAugmentOperation.Solarize)]
    [InlineData(RandAugmentOperation.Posterize)]
    [InlineData(RandAugmentOperation.TranslateX)]
    [InlineData(RandAugmentOperation.TranslateY)]
    public void MagnitudeZeroChangesNothing(RandAugmentOperation operation)
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.None, C, H, W);
        byte[] image = [.. Image];

        augmenter.Apply(operation, 0, negative: false, image);

        Assert.Equal(Image, image);
    }

    [Fact]
    public void OperationsDoWhatTheySay()
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.None, 1, 1, 4);
        byte[] image = [0, 100, 200, 255];

        augmenter.Apply(RandAugmentOperation.Solarize, 10, false, image);
        Assert.Equal([255, 155, 55, 0], image);

        image = [0, 100, 200, 255];
        augmenter.Apply(RandAugmentOperation.Posterize, 10, false, image);
        Assert.Equal([0, 96, 192, 240], image);

        image = [0, 100, 200, 255];
        augmenter.Apply(RandAugmentOperation.Brightness, 5, true, image);
        Assert.Equal([0, 55, 110, 140], image);

        image = [1, 2, 3, 4];
        augmenter.Apply(RandAugmentOperation.TranslateX, 10, false, image);
        Assert.Equal([0, 0, 1, 2], image);
    }

    [Fact]
    public void RefusesBadOptions()
    {
        Assert.Throws<DataException>(() => new ImageAugmenter(new AugmentationOptions { CropPadding = -1 }, C, H, W));
        Assert.Throws<DataException>(() => new ImageAugmenter(new AugmentationOptions { HorizontalFlipProbability = 2 }, C, H, W));
        Assert.Throws<DataException>(() => new ImageAugmenter(new AugmentationOptions { RandAugment = new RandAugmentOptions(2, 11) }, C, H, W));
    }

    private static int At(int c, int y, int x) => (((c * H) + y) * W) + x;
}
