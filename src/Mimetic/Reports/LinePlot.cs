using ScottPlot;

namespace Mimetic.Reports;

/// <summary>
/// One line of a <see cref="LinePlot"/>: y = <paramref name="Mean"/> over <paramref name="X"/>, with an optional shaded
/// band mean ± <paramref name="Std"/> (e.g. the spread over seeds).
/// </summary>
/// <param name="Name">Legend text.</param>
/// <param name="X">The x values.</param>
/// <param name="Mean">The y values, one per x.</param>
/// <param name="Std">Half-width of the band, one per x, or null for no band.</param>
public sealed record Series(string Name, double[] X, double[] Mean, double[]? Std = null)
{
    /// <summary>A series of means over seeds with a ± std band, each value multiplied by <paramref name="scale"/>.</summary>
    public static Series OverSeeds(string name, double[] x, IReadOnlyList<MeanStd> values, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Series(name, x, values.Select(m => scale * m.Mean).ToArray(), values.Select(m => scale * m.Std).ToArray());
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the arrays do not line up.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(Mean);
        if (X.Length != Mean.Length || (Std is not null && Std.Length != X.Length))
        {
            throw new ArgumentException(
                $"Series '{Name}': x has {X.Length} values, mean {Mean.Length}{(Std is null ? "" : $", std {Std.Length}")}; they must match.");
        }
    }
}

/// <summary>Size and decoration of a <see cref="LinePlot"/>.</summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="YMin">Lower y limit, or null for automatic.</param>
/// <param name="YMax">Upper y limit, or null for automatic.</param>
/// <param name="ReferenceLines">Horizontal dashed lines to draw (e.g. 0), or null.</param>
/// <param name="Markers">Draw a marker at each point: null means when a series has at most 40 points.</param>
/// <param name="IntegerX">Put x ticks on integers only (layers, epochs).</param>
/// <param name="XTickLabels">Names for the x positions 0, 1, 2, … (a categorical axis), or null for numbers.</param>
public sealed record LinePlotOptions(
    int Width = 800,
    int Height = 500,
    double? YMin = null,
    double? YMax = null,
    IReadOnlyList<double>? ReferenceLines = null,
    bool? Markers = null,
    bool IntegerX = false,
    IReadOnlyList<string>? XTickLabels = null);

/// <summary>Line plots with shaded bands (mean ± std), saved as PNG; for training curves and per-layer scores.</summary>
public static class LinePlot
{
    /// <summary>Saves a line plot of <paramref name="series"/> as a PNG. The directory must exist.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">The plot title.</param>
    /// <param name="xLabel">The x-axis label.</param>
    /// <param name="yLabel">The y-axis label.</param>
    /// <param name="series">The lines, each with an optional band.</param>
    /// <param name="options">Size and decoration; defaults when null.</param>
    /// <exception cref="ArgumentException">No series, or a series whose arrays do not line up.</exception>
    public static void Save(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, LinePlotOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(series);
        options ??= new LinePlotOptions();
        var lines = series.ToList();
        if (lines.Count == 0)
        {
            throw new ArgumentException("A line plot needs at least one series.", nameof(series));
        }

        lines.ForEach(s => s.Validate());
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var color = palette.GetColor(i);
            if (line.Std is { } std)
            {
                var band = plot.Add.FillY(line.X, line.Mean.Zip(std, (m, s) => m - s).ToArray(), line.Mean.Zip(std, (m, s) => m + s).ToArray());
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }

            var scatter = plot.Add.ScatterLine(line.X, line.Mean, color);
            scatter.LineWidth = 2;
            scatter.LegendText = line.Name;
            if (options.Markers ?? line.X.Length <= 40)
            {
                scatter.MarkerShape = MarkerShape.FilledCircle;
                scatter.MarkerSize = 6;
            }
        }

        foreach (var y in options.ReferenceLines ?? [])
        {
            var reference = plot.Add.HorizontalLine(y, 1, Colors.Gray, LinePattern.Dashed);
            reference.ExcludeFromLegend = true;
        }

        plot.Title(title ?? "");
        plot.XLabel(xLabel ?? "");
        plot.YLabel(yLabel ?? "");
        if (lines.Any(l => !string.IsNullOrEmpty(l.Name)))
        {
            plot.ShowLegend(Edge.Bottom);   // outside the data area, so it never hides a line
        }

        if (options.XTickLabels is { Count: > 0 } labels)
        {
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), [.. labels]);
        }
        else if (options.IntegerX)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }

        // Limits from the finite values only: a diverged run's NaN or ∞ must not break the plot.
        var (xMin, xMax) = Range(lines.SelectMany(l => l.X), 0.02);
        var (yMin, yMax) = Range(lines.SelectMany(BandEdges).Concat(options.ReferenceLines ?? []), 0.05);
        plot.Axes.SetLimits(xMin, xMax, options.YMin ?? yMin, options.YMax ?? yMax);

        Io.AtomicFile.WriteVia(path, temporary => plot.SavePng(temporary, options.Width, options.Height));
    }

    private static IEnumerable<double> BandEdges(Series line) => line.Std is null
        ? line.Mean
        : line.Mean.Zip(line.Std, (m, s) => m - s).Concat(line.Mean.Zip(line.Std, (m, s) => m + s));

    // The finite values' span widened by a margin on each side, or [0, 1] when nothing is finite.
    private static (double Min, double Max) Range(IEnumerable<double> values, double margin)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return (0, 1);
        }

        var (min, max) = (finite.Min(), finite.Max());
        var pad = max > min ? (max - min) * margin : Math.Max(Math.Abs(min) * 0.1, 0.5);
        return (min - pad, max + pad);
    }
}
