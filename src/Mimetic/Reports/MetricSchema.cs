using System.Globalization;
using Mimetic.Training;

namespace Mimetic.Reports;

/// <summary>One metric of a run's <c>metrics.jsonl</c>, as reports show it.</summary>
/// <param name="Key">The JSON property (for example <c>TestAccuracy</c>).</param>
/// <param name="Label">Column label.</param>
/// <param name="Scale">Shown value = stored value × scale (100 for percentages).</param>
/// <param name="Format">.NET number format of the shown value.</param>
public sealed record MetricColumn(string Key, string Label, double Scale = 1, string Format = "F4")
{
    /// <summary>A value as shown.</summary>
    public string Show(double value) => (value * Scale).ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>A mean ± std as shown.</summary>
    public string Show(MeanStd value) => $"{Show(value.Mean)} ± {Show(value.Std)}";
}

/// <summary>
/// How reports summarise one model kind's runs: the x axis of its curves (epochs or steps), its primary metric
/// and which way is better, further columns, and the file names of its plots. Everything else about a
/// comparison or a study is the same for every kind.
/// </summary>
/// <param name="X">The round's position on the x axis (<c>Epoch</c> or <c>Step</c>).</param>
/// <param name="XLabel">"epoch" or "step".</param>
/// <param name="Primary">The metric comparisons are about.</param>
/// <param name="HigherIsBetter">Whether a larger primary metric is better.</param>
/// <param name="Extras">Further final values shown per init.</param>
/// <param name="PrimaryPlot">File name of the primary metric's plot.</param>
/// <param name="PrimaryTitle">Title of that plot.</param>
/// <param name="TrainLossLabel">Y label of the training-loss plot.</param>
public sealed record MetricSchema(
    MetricColumn X,
    string XLabel,
    MetricColumn Primary,
    bool HigherIsBetter,
    IReadOnlyList<MetricColumn> Extras,
    string PrimaryPlot,
    string PrimaryTitle,
    string TrainLossLabel)
{
    /// <summary>The training-loss metric every kind writes.</summary>
    public static MetricColumn TrainLoss { get; } = new("TrainLoss", "final train loss", 1, "F3");

    /// <summary>The wall-clock seconds every kind writes per round.</summary>
    public const string Seconds = "Seconds";

    /// <summary>Image classification: test accuracy in percent, by epoch.</summary>
    public static MetricSchema Vision { get; } = new(
        new MetricColumn("Epoch", "epoch", 1, "F0"), "epoch",
        new MetricColumn("TestAccuracy", "test acc. (%)", 100, "F2"), HigherIsBetter: true,
        [],
        "test-accuracy.png", "Test accuracy", "training loss (label-smoothed)");

    /// <summary>Language models: validation loss in nats per token, by step.</summary>
    public static MetricSchema Language { get; } = new(
        new MetricColumn("Step", "step", 1, "F0"), "step",
        new MetricColumn("ValLoss", "val. loss", 1, "F4"), HigherIsBetter: false,
        [new MetricColumn("Perplexity", "perplexity", 1, "F2"), new MetricColumn("BitsPerCharacter", "bits/char", 1, "F4"), new MetricColumn("BitsPerToken", "bits/token", 1, "F4")],
        "val-loss.png", "Validation loss", "training loss (nats per token)");

    /// <summary>The schema of a model kind.</summary>
    /// <exception cref="ArgumentException">An unknown kind.</exception>
    public static MetricSchema For(string task) => task switch
    {
        TrainingTasks.Vision => Vision,
        TrainingTasks.Language => Language,
        _ => throw new ArgumentException($"No report schema for model kind '{task}'."),
    };

    /// <summary>
    /// The improvement of <paramref name="value"/> over <paramref name="baseline"/> in the primary metric,
    /// positive when better (higher accuracy, lower loss), in the shown unit (percentage points for accuracy).
    /// </summary>
    public double Gain(double value, double baseline) => (HigherIsBetter ? value - baseline : baseline - value) * Primary.Scale;
}
