using System.Globalization;
using ScottPlot;

namespace Mimetic.Reports;

/// <summary>A confusion matrix as a PNG: true classes down the rows, predicted classes across, each cell's count written in it.</summary>
public static class ConfusionMatrixFigure
{
    /// <summary>Counts per (true, predicted) class pair from labels and predictions.</summary>
    public static int[,] Count(int classes, IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count != predicted.Count)
        {
            throw new ArgumentException($"{truth.Count} labels but {predicted.Count} predictions.");
        }

        var counts = new int[classes, classes];
        for (var i = 0; i < truth.Count; i++)
        {
            counts[truth[i], predicted[i]]++;
        }

        return counts;
    }

    /// <summary>Writes the matrix of <paramref name="counts"/> (rows: true class) to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, string title, IReadOnlyList<string> classes, int[,] counts)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(counts);
        var n = classes.Count;
        if (counts.GetLength(0) != n || counts.GetLength(1) != n)
        {
            throw new ArgumentException($"A confusion matrix of {n} classes needs {n}×{n} counts.");
        }

        var values = new double[n, n];
        var max = 1;
        for (var row = 0; row < n; row++)
        {
            for (var column = 0; column < n; column++)
            {
                values[row, column] = counts[row, column];
                max = Math.Max(max, counts[row, column]);
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        heatmap.ManualRange = new ScottPlot.Range(0, max);
        if (n <= 30)
        {
            // Row 0 is drawn at the top: the cell (row, column) is centred at x = column, y = n − 1 − row.
            for (var row = 0; row < n; row++)
            {
                for (var column = 0; column < n; column++)
                {
                    var text = plot.Add.Text(counts[row, column].ToString(CultureInfo.InvariantCulture), column, n - 1 - row);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontColor = counts[row, column] * 2 > max ? Colors.White : Colors.Black;
                    text.LabelFontSize = Math.Clamp(240f / n, 7f, 14f);
                }
            }
        }

        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, [.. classes]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Left.SetTicks([.. positions.Reverse()], [.. classes]);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.Title(title);
        plot.HideGrid();
        var side = Math.Clamp(60 * n + 200, 480, 2400);
        Io.AtomicFile.WriteVia(path, temporary => plot.SavePng(temporary, side, side));
    }
}
