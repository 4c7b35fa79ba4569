using System.Text.Json;
using Mimetic.Data;
using Mimetic.Io;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Vision;
using Onnx;
using static TorchSharp.torch;

namespace Mimetic.Export;

/// <summary>What <see cref="ModelExport.ToOnnx"/> wrote.</summary>
/// <param name="Task"><c>vision</c> or <c>language</c>.</param>
/// <param name="Weights">The weights file exported.</param>
/// <param name="Output">The ONNX file.</param>
/// <param name="Model">The ONNX model, as written.</param>
public sealed record ExportResult(string Task, string Weights, string Output, ModelProto Model);

/// <summary>
/// Exports a run (its latest saved weights) or one weights file to ONNX. The model's shape comes from the weights'
/// <c>mimetic.config</c> metadata; a ViT's classes and normalisation come from the run's dataset — for a weights file
/// outside a run, from the dataset named to <see cref="ToOnnx"/>.
/// </summary>
public static class ModelExport
{
    /// <summary>Exports <paramref name="source"/> (a run directory or a weights file) to <paramref name="output"/>.</summary>
    /// <param name="source">A run directory, or a <c>.safetensors</c> file (of a run or from <c>mimetic init</c>).</param>
    /// <param name="output">The ONNX file to write.</param>
    /// <param name="dataset">For a ViT's weights file outside a run: the dataset whose classes and normalisation it uses.</param>
    /// <exception cref="ArgumentException">Not a run or weights file, no weights yet, or no dataset known for a ViT.</exception>
    /// <exception cref="InvalidModelFileException">The weights do not describe or fit a Mimetic model.</exception>
    public static ExportResult ToOnnx(string source, string output, string? dataset = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (!OnnxModelFileName(output))
        {
            throw new ArgumentException($"--onnx {output}: the output must end in .onnx.");
        }

        var (weights, run) = Locate(source);
        using var file = WeightFile.Open(weights);
        var metadata = file.Metadata;
        var layout = metadata.GetValueOrDefault("mimetic.layout");
        var configJson = metadata.GetValueOrDefault("mimetic.config")
            ?? throw new InvalidModelFileException($"{Path.GetFileName(weights)} has no mimetic.config metadata: it was not written by mimetic, so its model's shape is unknown.");
        using var noGrad = no_grad();
        ModelProto model;
        string task;
        if (layout == "mimetic-gpt")
        {
            var config = Parse<GptConfig>(configJson, weights);
            using var gpt = new Gpt(config);
            Checkpoint.LoadWeights(weights, gpt);
            gpt.eval();
            model = OnnxExporter.Gpt(gpt, ExportMetadata.ForLanguage(config.VocabSize, config.ContextLength, metadata));
            task = "language";
        }
        else if (layout == "timm")
        {
            var config = Parse<VisionTransformerConfig>(configJson, weights);
            var (classes, mean, std) = Description(run, dataset, config, weights);
            using var vit = new VisionTransformer(config);
            Checkpoint.LoadWeights(weights, vit);
            vit.eval();
            model = OnnxExporter.Vision(vit, ExportMetadata.ForVision(config.ImageSize, config.Channels, classes, mean, std, metadata));
            task = "vision";
        }
        else
        {
            throw new InvalidModelFileException($"{Path.GetFileName(weights)}: layout '{layout ?? "(none)"}' is not a Mimetic ViT (timm) or GPT (mimetic-gpt).");
        }

        OnnxExporter.Save(model, output);
        return new ExportResult(task, weights, output, model);
    }

    private static bool OnnxModelFileName(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    // The weights to export and the run they belong to (if any): a run's newest epoch, else its checkpoint.
    private static (string Weights, RunFiles? Run) Locate(string source)
    {
        if (Directory.Exists(source))
        {
            if (!File.Exists(Path.Combine(source, "config.json")))
            {
                throw new ArgumentException($"{source} is not a run directory (no config.json); pass a run directory or a .safetensors file.");
            }

            var run = new RunFiles(source);
            var newest = Directory.Exists(run.WeightsDirectory)
                ? Directory.EnumerateFiles(run.WeightsDirectory, "epoch-*.safetensors").Order(StringComparer.Ordinal).LastOrDefault()
                : null;
            var weights = newest ?? Checkpoint.ModelPath(run.CheckpointDirectory)
                ?? throw new ArgumentException($"{source} has no saved weights yet: nothing to export.");
            return (weights, run);
        }

        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"file not found: {source}", source);
        }

        // weights/epoch-NNN.safetensors or checkpoint/model.safetensors inside a run.
        var parent = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(source)));
        var inRun = parent is not null && File.Exists(Path.Combine(parent, "config.json")) ? new RunFiles(parent) : null;
        return (source, inRun);
    }

    private static (IReadOnlyList<string> Classes, IReadOnlyList<float> Mean, IReadOnlyList<float> Std) Description(
        RunFiles? run, string? dataset, VisionTransformerConfig config, string weights)
    {
        DatasetInfo info;
        if (run?.ReadConfig() is TrainingConfig training)
        {
            info = DatasetDescription(training);
        }
        else if (dataset is not null)
        {
            info = DatasetCatalog.GetInfo(dataset);
        }
        else
        {
            throw new ArgumentException(
                $"{Path.GetFileName(weights)} is not inside a run: pass --dataset NAME ({string.Join(", ", DatasetCatalog.Names)}) to give its classes and normalisation.");
        }

        if (info.ClassCount != config.Classes || info.Channels != config.Channels)
        {
            throw new ArgumentException(
                $"{Path.GetFileName(weights)}: the model has {config.Classes} classes and {config.Channels} channels, {info.DisplayName} {info.ClassCount} and {info.Channels}.");
        }

        return (info.ClassNames, info.Mean, info.Std);
    }

    /// <summary>The classes and normalisation a vision run trained with.</summary>
    internal static DatasetInfo DatasetDescription(TrainingConfig config) => VisionData.Describe(config);

    private static T Parse<T>(string json, string weights)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, RunFiles.Json)
                ?? throw new InvalidModelFileException($"{Path.GetFileName(weights)}: mimetic.config is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidModelFileException($"{Path.GetFileName(weights)}: mimetic.config is not a model config ({e.Message.Split('\n')[0]}).");
        }
    }
}
