using Mimetic.Data;
using Spectre.Console;

namespace Mimetic.Cli;

/// <summary>Loads a dataset for the CLI, with a download bar if it has to be fetched.</summary>
public static class DataLoading
{
    /// <summary>Finds (or downloads) and reads a dataset.</summary>
    public static DatasetSplits Load(IAnsiConsole console, string dataset, string? dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(console);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var progress = new Progress<DownloadProgress>(p =>
        {
            if (p.Fraction is { } f && (int)(f * 100) % 10 == 0)
            {
                console.MarkupLine($"  [grey]downloading {Markup.Escape(p.FileName)}: {f:P0}[/]");
            }
        });
        var splits = DatasetCatalog.Load(dataset, dataDirectory, progress);
        console.MarkupLine($"[grey]{Markup.Escape(dataset)}: {splits.Train.Count:N0} training and {splits.Test.Count:N0} test images loaded in {started.Elapsed.TotalSeconds:F1} s[/]");
        return splits;
    }

    /// <summary>Reads a vision run's data: a named dataset (found or downloaded) or an image folder, whose classes and normalisation go into the config.</summary>
    public static (Vision.TrainingConfig Config, DatasetSplits Data) Load(IAnsiConsole console, Vision.TrainingConfig config, string? dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(config);
        if (!ImageFolderDataset.IsFolder(config.Dataset))
        {
            return (config, Load(console, config.Dataset, dataDirectory));
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var (loaded, splits) = Vision.VisionData.Load(config, new DatasetLoadOptions { DataDirectory = dataDirectory });
        console.MarkupLine($"[grey]{Markup.Escape(splits.Train.Info.DisplayName)}: {splits.Train.ClassCount} classes, {splits.Train.Count:N0} training and {splits.Test.Count:N0} validation images of {splits.Train.Info.Height}×{splits.Train.Info.Width} loaded in {started.Elapsed.TotalSeconds:F1} s[/]");
        return (loaded, splits);
    }
}
