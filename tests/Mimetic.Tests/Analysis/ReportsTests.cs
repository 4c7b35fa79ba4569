using Mimetic.Reports;
using SkiaSharp;

namespace Mimetic.Tests.Analysis;

public sealed class ReportsTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void LinePlotWithBandsWritesADecodablePng()
    {
        var path = directory.File("curves.png");
        double[] epochs = [1, 2, 3, 4, 5];
        var series = new[]
        {
            new Series("mimetic", epochs, [0.40, 0.55, 0.62, 0.66, 0.70], [0.02, 0.02, 0.015, 0.01, 0.01]),
            new Series("default", epochs, [0.35, 0.45, 0.52, 0.57, 0.60], [0.03, 0.02, 0.02, 0.02, 0.015]),
            new Series("no band", epochs, [0.3, 0.3, 0.3, 0.3, 0.3]),
        };

        LinePlot.Save(path, "test accuracy", "epoch", "accuracy", series, new LinePlotOptions(Width: 640, Height: 400, IntegerX: true));

        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal((640, 400), (bitmap.Width, bitmap.Height));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void LinePlotRejectsMismatchedArrays()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LinePlot.Save(directory.File("x.png"), "t", "x", "y", [new Series("s", [1, 2, 3], [1, 2], null)]));

        Assert.Contains("Series 's'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeatmapGridWritesADecodablePngWithBlankCells()
    {
        var path = directory.File("grid.png");
        var matrix = new double[8, 8];
        for (var i = 0; i < 8; i++)
        {
            matrix[i, i] = -1;
        }

        Heatmaps.SaveGrid(path, "title", "subtitle", [[new HeatmapPanel("a", matrix), new HeatmapPanel("b", matrix)], [new HeatmapPanel("c", matrix)]], panelSize: 64);

        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.True(bitmap.Width >= 2 * 64 && bitmap.Height >= 2 * 64);
    }

    [Fact]
    public void NonFiniteValuesDoNotBreakThePictures()
    {
        var nan = new double[,] { { double.NaN, double.NaN }, { double.NaN, double.NaN } };
        var mixed = new double[,] { { 1, double.PositiveInfinity }, { double.NaN, -1 } };
        Heatmaps.SaveGrid(directory.File("nan.png"), "t", null, [[new HeatmapPanel("nan", nan), new HeatmapPanel("mixed", mixed)]]);
        LinePlot.Save(directory.File("nan-line.png"), "t", "x", "y", [new Series("s", [0, 1, 2], [double.NaN, 1, double.PositiveInfinity], [0.1, double.NaN, 0.1])]);

        using var grid = SKBitmap.Decode(directory.File("nan.png"));
        using var line = SKBitmap.Decode(directory.File("nan-line.png"));
        Assert.NotNull(grid);
        Assert.NotNull(line);
    }

    [Fact]
    public void DivergingColourMapIsBlueWhiteRedCentredAtZero()
    {
        var low = Heatmaps.Diverging.GetColor(0);
        var middle = Heatmaps.Diverging.GetColor(0.5);
        var high = Heatmaps.Diverging.GetColor(1);

        Assert.True(low.B > low.R, "the low end is blue");
        Assert.True(high.R > high.B, "the high end is red");
        Assert.True(middle.R > 240 && middle.G > 240 && middle.B > 240, "zero is white");
        Assert.Equal(2.5, Heatmaps.MaxAbs(new double[,] { { 1, -2.5 }, { double.NaN, double.NegativeInfinity } }));
    }
}
