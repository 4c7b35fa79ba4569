using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Mimetic.Data;
using Mimetic.Export;

namespace Mimetic.Cli.Prediction;

/// <summary>
/// An exported ViT run with ONNX Runtime alone (no TorchSharp): reads its classes, input size and normalisation from
/// the model's metadata_props, prepares images as training did (<see cref="ImageFiles"/>, <see cref="PixelNormalizer"/>)
/// and returns class probabilities (softmax of the logits).
/// </summary>
internal sealed class OnnxImageClassifier : IDisposable
{
    private const int BatchSize = 64;
    private readonly InferenceSession session;
    private readonly PixelNormalizer normalizer;
    private readonly string input;
    private readonly string output;

    private OnnxImageClassifier(InferenceSession session, IReadOnlyList<string> classes, int imageSize, int channels, PixelNormalizer normalizer)
    {
        this.session = session;
        Classes = classes;
        ImageSize = imageSize;
        Channels = channels;
        this.normalizer = normalizer;
        input = session.InputNames[0];
        output = session.OutputNames[0];
    }

    /// <summary>The class names, indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The input side in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>The input channels.</summary>
    public int Channels { get; }

    /// <summary>Opens an exported ViT.</summary>
    /// <exception cref="ArgumentException">Not an ONNX file, or not a ViT exported by <c>mimetic export</c>.</exception>
    public static OnnxImageClassifier Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"file not found: {path}", path);
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(path);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ArgumentException($"{path}: ONNX Runtime cannot load it ({ErrorReport.OneLine(e.Message)}).");
        }

        try
        {
            var metadata = session.ModelMetadata.CustomMetadataMap;
            if (metadata.GetValueOrDefault(ExportMetadata.Task) != "vision")
            {
                throw new ArgumentException($"{path} is not an image classifier exported by 'mimetic export' (no {ExportMetadata.Task}=vision in its metadata).");
            }

            var classes = Json<string[]>(metadata, ExportMetadata.Classes, path);
            var mean = Json<float[]>(metadata, ExportMetadata.Mean, path);
            var std = Json<float[]>(metadata, ExportMetadata.Std, path);
            var size = Integer(metadata, ExportMetadata.ImageSize, path);
            var channels = Integer(metadata, ExportMetadata.Channels, path);
            if (classes.Length < 2 || mean.Length != channels || std.Length != channels || channels is not (1 or 3) || size < 1)
            {
                throw new ArgumentException($"{path}: its metadata does not describe an image classifier ({classes.Length} classes, {channels} channels, {mean.Length} means, {std.Length} stds).");
            }

            return new OnnxImageClassifier(session, classes, size, channels, new PixelNormalizer(mean, std));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Reads, prepares and classifies image files; one probability row per file.</summary>
    public float[][] Classify(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var results = new List<float[]>(files.Count);
        foreach (var chunk in files.Chunk(BatchSize))
        {
            results.AddRange(Classify([.. chunk.Select(f => ImageFiles.Load(f, ImageSize, Channels))]));
        }

        return [.. results];
    }

    /// <summary>Classifies prepared images (uint8 CHW, <see cref="Channels"/>×<see cref="ImageSize"/>²); one probability row each.</summary>
    public float[][] Classify(IReadOnlyList<byte[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            return [];
        }

        var perImage = Channels * ImageSize * ImageSize;
        var batch = new float[images.Count * perImage];
        for (var i = 0; i < images.Count; i++)
        {
            normalizer.Normalize(images[i], batch.AsSpan(i * perImage, perImage));
        }

        using var value = OrtValue.CreateTensorValueFromMemory(batch, [images.Count, Channels, ImageSize, ImageSize]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [input], [value], [output]);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        var classes = Classes.Count;
        var probabilities = new float[images.Count][];
        for (var i = 0; i < images.Count; i++)
        {
            probabilities[i] = Softmax(logits.Slice(i * classes, classes));
        }

        return probabilities;
    }

    /// <inheritdoc />
    public void Dispose() => session.Dispose();

    private static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }

        var exp = new double[logits.Length];
        for (var i = 0; i < logits.Length; i++)
        {
            exp[i] = Math.Exp(logits[i] - max);
        }

        var sum = exp.Sum();
        return [.. exp.Select(e => (float)(e / sum))];
    }

    private static T Json<T>(Dictionary<string, string> metadata, string key, string path)
    {
        try
        {
            return metadata.TryGetValue(key, out var text) && JsonSerializer.Deserialize<T>(text) is { } value
                ? value
                : throw new ArgumentException($"{path}: its metadata lacks {key}.");
        }
        catch (JsonException)
        {
            throw new ArgumentException($"{path}: its metadata entry {key} is not valid JSON.");
        }
    }

    private static int Integer(Dictionary<string, string> metadata, string key, string path) =>
        metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{path}: its metadata lacks a whole number {key}.");
}
