using ScottPlot;

namespace Mimetic.Reports;

/// <summary>One curve: a mean per x, with an optional ± band.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="X">x values.</param>
/// <param name="Mean">y values (means).</param>
/// <param name="Std">Band half-widths (e.g. std over seeds); null for no band.</param>
public sealed record Curve(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Mean, IReadOnlyList<double>? Std = null)
{
    /// <summary>A curve of means over seeds with a ± std band, each value multiplied by <paramref name="scale"/>.</summary>
    public static Curve OverSeeds(string name, IReadOnlyList<double> x, IReadOnlyList<MeanStd> values, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Curve(name, x, values.Select(m => scale * m.Mean).ToList(), values.Select(m => scale * m.Std).ToList());
    }
}

/// <summary>Line plots with shaded bands, saved as PNG (ScottPlot, headless).</summary>
public static class CurvePlot
{
    /// <summary>Draws the curves and writes a PNG.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="xLabel">x-axis label.</param>
    /// <param name="yLabel">y-axis label.</param>
    /// <param name="curves">The curves.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="falling">Whether the curves fall (losses): the legend goes to the upper right instead of the lower right.</param>
    public static void Save(string path, string title, string xLabel, string yLabel, IEnumerable<Curve> curves, int width = 800, int height = 500, bool falling = false)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        foreach (var curve in curves)
        {
            var color = palette.GetColor(index++);
            var xs = curve.X.ToArray();
            var ys = curve.Mean.ToArray();
            if (curve.Std is { } std && std.Any(s => s > 0))
            {
                var band = plot.Add.FillY(xs, ys.Select((y, i) => y - std[i]).ToArray(), ys.Select((y, i) => y + std[i]).ToArray());
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }

            var line = plot.Add.Scatter(xs, ys, color);
            line.LegendText = curve.Name;
            line.LineWidth = 2;
            line.MarkerSize = 5;
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(falling ? Alignment.UpperRight : Alignment.LowerRight);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, width, height);
    }
}
