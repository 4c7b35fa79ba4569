using Mimetic.Analysis;

namespace Mimetic.Reports;

/// <summary>
/// The pictures of a <see cref="ModelFileAnalysis"/>: heatmap grids of W_q·W_kᵀ and W_v·W_proj (rows = layers,
/// columns = heads) and a line plot of the identity scores per layer.
/// </summary>
public static class AttentionFigures
{
    /// <summary>File name of the query/key grid.</summary>
    public const string QueryKeyFile = "query-key.png";

    /// <summary>File name of the value/projection grid.</summary>
    public const string ValueProjectionFile = "value-projection.png";

    /// <summary>File name of the identity-score plot.</summary>
    public const string IdentityScoresFile = "identity-scores.png";

    /// <summary>
    /// The default folder for a model file's pictures: beside it, named <c>&lt;name&gt;-analysis</c>
    /// (e.g. <c>runs/vit.safetensors</c> → <c>runs/vit-analysis</c>).
    /// </summary>
    public static string DefaultDirectory(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        var full = Path.GetFullPath(modelPath);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + "-analysis");
    }

    /// <summary>Writes the three pictures into <paramref name="directory"/> (created if missing) and returns their paths.</summary>
    /// <param name="analysis">The analysis to draw.</param>
    /// <param name="directory">Where to write.</param>
    /// <param name="panelSize">
    /// Side of each heatmap panel in pixels; shrunk (down to 48) for many heads so that a grid stays about 4000 pixels wide.
    /// </param>
    public static IReadOnlyList<string> Save(ModelFileAnalysis analysis, string directory, int panelSize = 160)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (analysis.Layers.Count == 0)
        {
            throw new ArgumentException("The analysis has no layers to draw.", nameof(analysis));
        }

        Io.UserFile.RequireFolderOrMissing(directory, "output folder");
        Directory.CreateDirectory(directory);
        panelSize = Math.Min(panelSize, Math.Max(48, 4000 / (analysis.Heads + 1)));
        var name = Path.GetFileName(analysis.Path);
        var side = analysis.Layers.Min(l => Math.Min(analysis.Crop, l.Width));
        var crop = $"top-left {side}×{side} of d×d";

        var queryKey = Path.Combine(directory, QueryKeyFile);
        Heatmaps.SaveGrid(
            queryKey, $"{name}: W_q·W_k^T per head", $"rows: layers · columns: heads · {crop} · blue < 0 < red",
            analysis.Layers.Select((layer, i) => (IReadOnlyList<HeatmapPanel?>)layer.QueryKey
                .Select((m, h) => new HeatmapPanel($"L{i} h{h}", m)).ToList()).ToList(),
            panelSize);

        var valueProjection = Path.Combine(directory, ValueProjectionFile);
        Heatmaps.SaveGrid(
            valueProjection, $"{name}: W_v·W_proj", $"rows: layers · columns: whole layer, then heads · {crop} · blue < 0 < red",
            analysis.Layers.Select((layer, i) => (IReadOnlyList<HeatmapPanel?>)layer.ValueProjectionPerHead
                .Select((m, h) => new HeatmapPanel($"L{i} h{h}", m))
                .Prepend(new HeatmapPanel($"L{i} layer", layer.ValueProjection)).ToList()).ToList(),
            panelSize);

        var scores = Path.Combine(directory, IdentityScoresFile);
        SaveIdentityScores(scores, $"{name}: identity scores", analysis.Layers);
        return [queryKey, valueProjection, scores];
    }

    /// <summary>
    /// Plots per layer the query/key identity score (mean over heads, band ± std over heads) and the
    /// whole-layer value/projection identity score.
    /// </summary>
    public static void SaveIdentityScores(string path, string title, IReadOnlyList<LayerPatterns> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var x = Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray();
        var queryKey = layers.Select(l => l.Statistics.QueryKey.Select(s => s.IdentityScore).ToArray()).ToList();
        var series = new[]
        {
            new Series("W_q·W_k^T (mean over heads ± std)", x, queryKey.Select(s => s.Average()).ToArray(), queryKey.Select(StandardDeviation).ToArray()),
            new Series("W_v·W_proj (whole layer)", x, layers.Select(l => l.Statistics.ValueProjection.IdentityScore).ToArray()),
        };
        LinePlot.Save(path, title, "layer", "identity score tr(M) / (‖M‖ √d)", series,
            new LinePlotOptions(Width: 720, Height: 460, YMin: -1.05, YMax: 1.05, ReferenceLines: [0], IntegerX: true));
    }

    private static double StandardDeviation(double[] values)
    {
        if (values.Length < 2)
        {
            return 0;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
