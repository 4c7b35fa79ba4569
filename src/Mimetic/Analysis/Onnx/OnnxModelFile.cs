using Google.Protobuf;
using Mimetic.Io;
using Onnx;

namespace Mimetic.Analysis.Onnx;

/// <summary>
/// An ONNX model read with OnnxSharp (ONNX's own protobuf schema, parsed by Google.Protobuf). Reading is bounded:
/// the file must fit protobuf's 2 GiB limit and is parsed from memory, so no length inside it can make the parser read
/// past its end; nesting is capped by protobuf's recursion limit. Weights may live in external-data files inside the
/// model's folder (see <see cref="OnnxTensorData"/>).
/// </summary>
public sealed class OnnxModelFile
{
    /// <summary>The <c>Format</c> an analysis reports for ONNX models.</summary>
    public const string Format = "onnx";

    /// <summary>The largest file accepted: protobuf messages are limited to 2 GiB.</summary>
    public const long MaxFileBytes = int.MaxValue;

    private OnnxModelFile(string path, ModelProto model)
    {
        Path = path;
        Model = model;
        Graph = new OnnxGraph(model.Graph, System.IO.Path.GetFileName(path));
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The parsed model.</summary>
    public ModelProto Model { get; }

    /// <summary>The main graph, indexed.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>Whether <paramref name="path"/> names an ONNX model (by its <c>.onnx</c> extension; protobuf has no magic bytes).</summary>
    public static bool IsOnnxPath(string path) =>
        path is not null && path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens and parses an ONNX model.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The path is a directory.</exception>
    /// <exception cref="NotARegularFileException">The path is a named pipe, a device or a socket.</exception>
    /// <exception cref="InvalidModelFileException">The file is not a readable ONNX model.</exception>
    public static OnnxModelFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"'{path}' is a directory; pass an ONNX model file.");
        }

        UserFile.RequireReadable(path, "model file");
        var info = new FileInfo(path);

        var name = info.Name;
        if (info.Length > MaxFileBytes)
        {
            throw new InvalidModelFileException($"{name}: {info.Length} bytes is more than an ONNX file can hold (2 GiB; larger models keep their weights in external data).");
        }

        return Parse(path, File.ReadAllBytes(path));
    }

    /// <summary>Parses a model held in memory; <paramref name="path"/> names it in messages and locates external data.</summary>
    /// <exception cref="InvalidModelFileException">The bytes are not a readable ONNX model.</exception>
    public static OnnxModelFile Parse(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(bytes);
        var name = System.IO.Path.GetFileName(path);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidModelFileException($"{name}: not a readable ONNX model ({FirstSentence(e.Message)}).");
        }

        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new InvalidModelFileException($"{name}: not an ONNX model with a graph (no nodes found; is the file truncated or of another format?).");
        }

        var file = new OnnxModelFile(path, model);
        if (file.Graph.FirstNodeOnACycle() is { } node)
        {
            var shown = string.IsNullOrEmpty(node.Name) ? node.OpType : node.Name;
            throw new InvalidModelFileException(
                $"{name}: the ONNX graph has a cycle (node '{Shorten(shown)}' depends on its own output); a model's graph must be acyclic, so its attention layers cannot be traced.");
        }

        return file;
    }

    private static string Shorten(string text)
    {
        var clean = new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]);
        return clean.Length <= 60 ? clean : clean[..57] + "...";
    }

    private static string FirstSentence(string message)
    {
        var line = message.Split('\n', 2)[0].Trim().TrimEnd('.');
        var cut = line.IndexOf(". ", StringComparison.Ordinal);
        return (cut > 0 ? line[..cut] : line).ToLowerInvariant();
    }
}
