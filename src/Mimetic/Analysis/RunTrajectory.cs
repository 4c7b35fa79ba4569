using System.Globalization;
using System.Text.RegularExpressions;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Vision;

namespace Mimetic.Analysis;

/// <summary>The attention statistics of one saved epoch of a run (epoch 0 is the initialization).</summary>
/// <param name="Epoch">Epoch number; 0 for the weights before training.</param>
/// <param name="Layers">Per-layer statistics.</param>
public sealed record EpochAnalysis(int Epoch, IReadOnlyList<LayerAnalysis> Layers);

/// <summary>How one run's attention products changed over training.</summary>
/// <param name="RunDirectory">The run directory.</param>
/// <param name="Init">The run's initialization.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Epochs">One analysis per saved epoch, in order, starting with the initialization.</param>
public sealed partial record RunTrajectory(string RunDirectory, string Init, long Seed, IReadOnlyList<EpochAnalysis> Epochs)
{
    /// <summary>
    /// Analyses every <c>weights/epoch-NNN.safetensors</c> of a run. The initial weights (epoch 0) are
    /// read from <c>epoch-000</c> if the run saved them, else rebuilt from <c>config.json</c>: the trainer
    /// builds its model with <see cref="ModelFactory.CreateVision"/> from the same config and seed.
    /// </summary>
    public static RunTrajectory Analyze(string runDirectory)
    {
        if (!Directory.Exists(runDirectory))
        {
            throw new DirectoryNotFoundException($"run folder '{runDirectory}' does not exist");
        }

        var files = new RunFiles(runDirectory);
        if (!files.Exists)
        {
            throw new ArgumentException($"{runDirectory} is not a run directory (no config.json).");
        }

        var config = files.ReadConfig();
        var weights = Directory.Exists(files.WeightsDirectory)
            ? Directory.EnumerateFiles(files.WeightsDirectory, "epoch-*.safetensors")
                .Select(path => (Path: path, Match: EpochFile().Match(Path.GetFileName(path))))
                .Where(f => f.Match.Success)
                .Select(f => (Epoch: int.Parse(f.Match.Groups[1].Value, CultureInfo.InvariantCulture), f.Path))
                .OrderBy(f => f.Epoch)
                .ToList()
            : [];
        if (weights.Count == 0)
        {
            throw new ArgumentException($"{runDirectory} has no saved weights yet (weights/epoch-NNN.safetensors).");
        }

        var epochs = new List<EpochAnalysis>();
        if (weights[0].Epoch != 0 && config is TrainingConfig vision)
        {
            epochs.Add(new EpochAnalysis(0, InitialWeights(vision)));
        }

        epochs.AddRange(weights.Select(w => new EpochAnalysis(w.Epoch, ModelFileAnalysis.Analyze(w.Path, new ModelAnalysisOptions(Crop: 2)).Layers.Select(l => l.Statistics).ToList())));
        return new RunTrajectory(files.Directory, config.Init, config.Seed, epochs);
    }

    private static List<LayerAnalysis> InitialWeights(TrainingConfig config)
    {
        var info = VisionData.Describe(config);
        var shape = VisionPresets.Get(config.Model, info.Height, info.Channels, info.ClassCount);
        if (config.Position is { } position)
        {
            shape = shape with { Position = position };
        }

        using var model = ModelFactory.CreateVision(shape, config.Init, config.Seed, config.Mimetic);
        return AttentionAnalysis.Of(model).ToList();
    }

    [GeneratedRegex(@"^epoch-(\d+)\.safetensors$")]
    private static partial Regex EpochFile();
}
