using Mimetic.Analysis;

namespace Mimetic.Reports;

/// <summary>Plots how the identity scores of W_q·W_kᵀ and W_v·W_proj evolve with training epochs.</summary>
public static class TrajectoryFigures
{
    /// <summary>File name of the query/key plot.</summary>
    public const string QueryKeyFile = "identity-qk-by-epoch.png";

    /// <summary>File name of the value/projection plot.</summary>
    public const string ValueProjectionFile = "identity-vo-by-epoch.png";

    /// <summary>
    /// Writes two plots to <paramref name="directory"/>: per layer, the mean over heads of the query/key identity
    /// score, and the whole-layer value/projection identity score, against epoch; with several runs (seeds), the
    /// mean over runs with a ± std band.
    /// </summary>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Save(IReadOnlyList<RunTrajectory> runs, string directory, string title)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("No run to plot.");
        }

        Io.UserFile.RequireFolderOrMissing(directory, "output folder");
        Directory.CreateDirectory(directory);
        var epochs = runs.Min(r => r.Epochs.Count);
        var layers = runs[0].Epochs[0].Layers.Count;
        var x = runs[0].Epochs.Take(epochs).Select(e => (double)e.Epoch).ToArray();
        var options = new LinePlotOptions(Width: 760, Height: 480, YMin: -1.05, YMax: 1.05, ReferenceLines: [0], IntegerX: true);
        var queryKey = Path.Combine(directory, QueryKeyFile);
        var valueProjection = Path.Combine(directory, ValueProjectionFile);
        LinePlot.Save(queryKey, $"{title}: W_q·W_k^T identity score (mean over heads)", "epoch", "identity score",
            LayerSeries(runs, epochs, layers, x, l => l.QueryKeyIdentityScore), options);
        LinePlot.Save(valueProjection, $"{title}: W_v·W_proj identity score", "epoch", "identity score",
            LayerSeries(runs, epochs, layers, x, l => l.ValueProjection.IdentityScore), options);
        return [queryKey, valueProjection];
    }

    private static IEnumerable<Series> LayerSeries(IReadOnlyList<RunTrajectory> runs, int epochs, int layers, double[] x, Func<LayerAnalysis, double> score)
    {
        for (var layer = 0; layer < layers; layer++)
        {
            var values = Enumerable.Range(0, epochs)
                .Select(e => MeanStd.Of(runs.Select(r => score(r.Epochs[e].Layers[layer])).ToList()))
                .ToList();
            yield return new Series($"layer {layer}", x, values.Select(v => v.Mean).ToArray(), runs.Count > 1 ? values.Select(v => v.Std).ToArray() : null);
        }
    }
}
