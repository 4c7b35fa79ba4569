using ScottPlot;
using SkiaSharp;

namespace Mimetic.Reports;

/// <summary>One panel of a heatmap grid: a small title and a matrix (row 0 drawn at the top).</summary>
/// <param name="Title">Shown above the panel; keep it short.</param>
/// <param name="Values">The matrix.</param>
public sealed record HeatmapPanel(string Title, double[,] Values);

/// <summary>
/// Grids of matrix heatmaps in a diverging blue–white–red colour map centred at zero, like the paper's
/// figures of W_q·W_kᵀ and W_v·W_proj. Each panel has symmetric limits ±max|M| of its own matrix, shown in its title.
/// </summary>
public static class Heatmaps
{
    private const int TitleHeight = 54;
    private const int PanelTitleHeight = 22;
    private const int PanelPadding = 6;

    /// <summary>Blue (negative) – white (zero) – red (positive), the colours of matplotlib's RdBu reversed.</summary>
    public static IColormap Diverging { get; } = new ScottPlot.Colormaps.CustomInterpolated(
        [new Color(5, 48, 97), new Color(67, 147, 195), Colors.White, new Color(214, 96, 77), new Color(103, 0, 31)]);

    /// <summary>The largest finite absolute value of a matrix (0 for an empty one); NaN and ±∞ are ignored.</summary>
    public static double MaxAbs(double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var max = 0.0;
        foreach (var value in values)
        {
            if (double.IsFinite(value))
            {
                max = Math.Max(max, Math.Abs(value));
            }
        }

        return max;
    }

    /// <summary>
    /// Saves a grid of heatmaps as a PNG: one row per entry of <paramref name="rows"/>, one column per panel
    /// (a null panel leaves its cell blank). The directory must exist.
    /// </summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">The figure title.</param>
    /// <param name="subtitle">A smaller second line under the title (e.g. what rows and columns are), or null.</param>
    /// <param name="rows">The panels, row by row.</param>
    /// <param name="panelSize">Side of each panel's square heatmap in pixels.</param>
    public static void SaveGrid(string path, string title, string? subtitle, IReadOnlyList<IReadOnlyList<HeatmapPanel?>> rows, int panelSize = 160)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(panelSize, 16);
        var columns = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        if (rows.Count == 0 || columns == 0)
        {
            throw new ArgumentException("A heatmap grid needs at least one panel.", nameof(rows));
        }

        var multiplot = new Multiplot();
        multiplot.AddPlots(rows.Count * columns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows.Count, columns);
        for (var row = 0; row < rows.Count; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                var plot = multiplot.GetPlot(row * columns + column);
                Style(plot, column < rows[row].Count ? rows[row][column] : null, panelSize);
            }
        }

        var cellWidth = panelSize + 2 * PanelPadding;
        var cellHeight = panelSize + PanelTitleHeight + PanelPadding;
        var width = Math.Max(columns * cellWidth, 480);
        var height = TitleHeight + rows.Count * cellHeight;
        using var surface = SKSurface.Create(new SKImageInfo(width, height))
            ?? throw new InvalidOperationException($"Cannot allocate a {width}×{height} image.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        // Multiplot lays out from the top of its rectangle regardless of the rectangle's offset, so translate instead;
        // it paints the whole canvas's background, so the titles come after it.
        canvas.Save();
        canvas.Translate((width - columns * cellWidth) / 2f, TitleHeight);
        multiplot.Render(canvas, new PixelRect(0, columns * cellWidth, 0, rows.Count * cellHeight));
        canvas.Restore();
        using (var paint = new SKPaint { Color = SKColors.White })
        {
            canvas.DrawRect(0, 0, width, TitleHeight, paint);
        }

        DrawCentred(canvas, title, width / 2f, 24, 18, bold: true);
        if (subtitle is not null)
        {
            DrawCentred(canvas, subtitle, width / 2f, 44, 12, bold: false);
        }

        WritePng(surface, path);
    }

    private static void Style(Plot plot, HeatmapPanel? panel, int panelSize)
    {
        plot.HideGrid();
        plot.Axes.Margins(0, 0);
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.IsVisible = false;
        }

        plot.Layout.Fixed(new PixelPadding(PanelPadding, PanelPadding, PanelPadding, PanelTitleHeight));
        if (panel is null)
        {
            return;
        }

        var (values, finite) = Finite(panel.Values);
        var limit = MaxAbs(values);
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = Diverging;
        heatmap.ManualRange = new ScottPlot.Range(-Math.Max(limit, 1e-12), Math.Max(limit, 1e-12));
        var range = finite ? $"±{FormatLimit(limit)}" : "NaN/∞";
        plot.Title($"{panel.Title}  {range}", size: Math.Clamp(panelSize / 14f, 6f, 11f));
    }

    // ScottPlot cannot scale a matrix without finite values: non-finite cells become 0 (white) and the title says so.
    private static (double[,] Values, bool AllFinite) Finite(double[,] values)
    {
        var allFinite = true;
        foreach (var value in values)
        {
            allFinite &= double.IsFinite(value);
        }

        if (allFinite)
        {
            return (values, true);
        }

        var copy = (double[,])values.Clone();
        for (var row = 0; row < copy.GetLength(0); row++)
        {
            for (var column = 0; column < copy.GetLength(1); column++)
            {
                if (!double.IsFinite(copy[row, column]))
                {
                    copy[row, column] = 0;
                }
            }
        }

        return (copy, false);
    }

    private static string FormatLimit(double limit) =>
        limit.ToString(limit is >= 0.01 and < 100 ? "0.00" : "0.0e0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Draws one line of text centred at (x, baseline) in ScottPlot's default font, shrunk (down to 7 px) to fit
    /// the canvas width. Without any installed font nothing is drawn, and nothing fails.
    /// </summary>
    internal static void DrawCentred(SKCanvas canvas, string text, float x, float baseline, float size, bool bold)
    {
        using var typeface = SKTypeface.FromFamilyName(Fonts.Default, bold ? SKFontStyle.Bold : SKFontStyle.Normal) ?? SKTypeface.Default;
        using var font = new SKFont(typeface, size);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var available = canvas.DeviceClipBounds.Width - 8f;
        var measured = font.MeasureText(text);
        if (measured > available && measured > 0)
        {
            font.Size = Math.Max(7f, size * available / measured);
        }

        canvas.DrawText(text, x, baseline, SKTextAlign.Center, font, paint);
    }

    /// <summary>Encodes a surface as PNG and writes it atomically.</summary>
    internal static void WritePng(SKSurface surface, string path)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode a PNG.");
        Io.AtomicFile.Write(path, data.SaveTo);
    }
}
