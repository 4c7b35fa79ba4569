using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Mimetic.Cli.Prediction;
using Mimetic.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic predict</c>.</summary>
public sealed class PredictSettings : CommandSettings
{
    /// <summary>The exported model.</summary>
    [CommandArgument(0, "<MODEL>")]
    [Description("an ONNX image classifier written by 'mimetic export'")]
    public string Model { get; init; } = "";

    /// <summary>The images.</summary>
    [CommandArgument(1, "<IMAGES>")]
    [Description("image files, or one folder: of images, or of class folders (then accuracy and a confusion matrix)")]
    public string[] Images { get; init; } = [];

    /// <summary>Classes shown per image.</summary>
    [CommandOption("-k|--top <K>")]
    [Description("the K most likely classes per image")]
    [DefaultValue(3)]
    public int Top { get; init; } = 3;

    /// <summary>Where the confusion matrix goes.</summary>
    [CommandOption("--confusion <FILE>")]
    [Description("the confusion-matrix PNG of a labelled folder (default: <folder>-confusion.png beside the folder)")]
    public string? Confusion { get; init; }

    /// <summary>Print JSON.</summary>
    [CommandOption("--json")]
    [Description("print machine-readable JSON instead of lines")]
    public bool Json { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("pass an ONNX model")
        : Images.Length == 0 ? ValidationResult.Error("pass image files or a folder of images")
        : Top < 1 ? ValidationResult.Error($"--top must be at least 1, not {Top}")
        : ValidationResult.Success();
}

/// <summary><c>mimetic predict</c>: classifies images with an exported ViT through ONNX Runtime alone.</summary>
public sealed class PredictCommand(IAnsiConsole console) : Command<PredictSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var classifier = OnnxImageClassifier.Open(settings.Model);
        var inputs = PredictionInputs.Collect(settings.Images, classifier.Classes);
        var probabilities = classifier.Classify(inputs.Files);
        var top = Math.Min(settings.Top, classifier.Classes.Count);
        var ranked = probabilities.Select(p => Enumerable.Range(0, p.Length).OrderByDescending(c => p[c]).ThenBy(c => c).Take(top).ToArray()).ToList();
        var predicted = ranked.Select(r => r[0]).ToList();

        string? confusion = null;
        int correct = 0;
        int[,]? counts = null;
        if (inputs.Labels is { } labels)
        {
            correct = labels.Zip(predicted, (t, p) => t == p ? 1 : 0).Sum();
            counts = ConfusionMatrixFigure.Count(classifier.Classes.Count, labels, predicted);
            confusion = settings.Confusion ?? Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Images[0])) + "-confusion.png";
            var accuracy = (double)correct / labels.Count;
            ConfusionMatrixFigure.Save(confusion, $"{Path.GetFileName(settings.Model)}: accuracy {accuracy.ToString("P2", CultureInfo.InvariantCulture)} on {labels.Count} images", classifier.Classes, counts);
        }

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
            {
                model = settings.Model,
                images = inputs.Files.Select((file, i) => new
                {
                    file,
                    label = inputs.Labels?[i],
                    predicted = predicted[i],
                    top = ranked[i].Select(c => new { @class = classifier.Classes[c], probability = probabilities[i][c] }),
                }),
                correct = inputs.Labels is null ? (int?)null : correct,
                total = inputs.Files.Count,
                accuracy = inputs.Labels is { } l ? (double)correct / l.Count : (double?)null,
                confusion = counts is null ? null : Rows(counts),
                confusionImage = confusion,
            }, JsonOptions));
            return 0;
        }

        for (var i = 0; i < inputs.Files.Count; i++)
        {
            var classes = string.Join(", ", ranked[i].Select(c => $"{classifier.Classes[c]} {probabilities[i][c].ToString("P1", CultureInfo.InvariantCulture)}"));
            var truth = inputs.Labels is { } labels2 ? $" (true: {classifier.Classes[labels2[i]]})" : "";
            console.WriteLine($"{inputs.Files[i]}: {classes}{truth}");
        }

        if (inputs.Labels is { } known)
        {
            var accuracy = (double)correct / known.Count;
            console.MarkupLine($"[bold]accuracy {accuracy.ToString("P2", CultureInfo.InvariantCulture)}[/] ({correct} of {known.Count} images, {classifier.Classes.Count} classes)");
            console.MarkupLine($"wrote the confusion matrix to [green]{Markup.Escape(confusion!)}[/]");
        }

        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static int[][] Rows(int[,] counts) =>
        [.. Enumerable.Range(0, counts.GetLength(0)).Select(r => Enumerable.Range(0, counts.GetLength(1)).Select(c => counts[r, c]).ToArray())];
}
