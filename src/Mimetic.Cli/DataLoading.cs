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
}
