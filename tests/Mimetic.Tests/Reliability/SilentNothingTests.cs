using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Mimetic.Cli;
using Mimetic.Tests.Analysis;
using Mimetic.Tests.Cli;
using Mimetic.Tests.Onnx;
using Onnx;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Issue 24, class 7: a file that cannot be what it claims is an error that says why, never an analysis of nothing or of
/// the wrong bytes — a safetensors header length that is too short, an ONNX graph with a cycle, external data reached
/// through a link out of the model's folder.
/// </summary>
public sealed class SilentNothingTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-nothing-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void ASafetensorsHeaderLengthThatIsTooShortIsAnError()
    {
        var path = LayoutFiles.WriteSafetensors(root, "timm", [MathLayer.Identity(4)], heads: 1);
        var bytes = File.ReadAllBytes(path);
        var declared = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var json = Encoding.UTF8.GetString(bytes, 8, declared).TrimEnd(' ').Length;   // the JSON without its padding
        Assert.True(json < declared, "the writer pads its header");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json);
        File.WriteAllBytes(path, bytes);

        var line = SingleError(path);

        Assert.Equal($"error: timm.safetensors is not a valid safetensors file: the last {declared - json} of the data section's {bytes.Length - 8 - json} bytes belong to no tensor; the header length may be too short, or bytes were appended.", line);
    }

    [Fact]
    public void AnEmptyHeaderBeforeDataIsAnErrorNotAnEmptyAnalysis()
    {
        var path = Path.Combine(root, "empty.safetensors");
        File.WriteAllBytes(path, [2, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', .. new byte[64]]);

        Assert.Equal("error: empty.safetensors is not a valid safetensors file: the header lists no tensors but 64 bytes follow it; the header length may be too short.", SingleError(path));
    }

    [Fact]
    public void BytesBetweenTensorsAreAnError()
    {
        var header = """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[32,48]}}"""u8.ToArray();
        var path = Path.Combine(root, "gap.safetensors");
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        File.WriteAllBytes(path, [.. prefix, .. header, .. new byte[48]]);

        Assert.Equal("error: gap.safetensors is not a valid safetensors file: bytes 16 to 32 of the data section belong to no tensor (tensor 'b' starts at 32); the header's offsets are wrong.", SingleError(path));
    }

    [Fact]
    public void AnOnnxGraphWithACycleIsAnError()
    {
        var builder = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 3));
        var last = builder.Graph.Node[^1];
        var first = builder.Graph.Node.First(n => n.Input.Contains("hidden"));
        var at = first.Input.IndexOf("hidden");
        first.Input[at] = last.Output[0];   // the first projection now reads the layer's own output
        var path = builder.Write(Path.Combine(root, "cycle.onnx"));

        var line = SingleError(path);

        Assert.Matches(@"^error: cycle\.onnx: the ONNX graph has a cycle \(node '[^']+' depends on its own output\); a model's graph must be acyclic, so its attention layers cannot be traced\.$", line);
    }

    [Fact]
    public void AnAcyclicGraphIsStillAnalysed()
    {
        var path = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 3)).Write(Path.Combine(root, "fine.onnx"));

        var result = CliRunner.Run("analyze", path, "--no-plots");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1 attention layers", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalDataBehindALinkedFolderOutsideTheModelsFolderIsRefused()
    {
        var model = Directory.CreateDirectory(Path.Combine(root, "model")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(root, "outside")).FullName;
        var builder = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 4));
        var data = MoveToExternalData(builder, Path.Combine(outside, "weights.bin"), "linked/weights.bin");
        Directory.CreateSymbolicLink(Path.Combine(model, "linked"), outside);
        var path = builder.Write(Path.Combine(model, "linked.onnx"));

        var line = SingleError(path);

        Assert.Equal("error: linked.onnx: tensor '100' (external data): location 'linked/weights.bin' is not a file inside the model's folder.", line);
        Assert.True(data > 0);
    }

    [Fact]
    public void ExternalDataBehindALinkedFolderInsideTheModelsFolderIsRead()
    {
        var model = Directory.CreateDirectory(Path.Combine(root, "model")).FullName;
        var inside = Directory.CreateDirectory(Path.Combine(model, "real")).FullName;
        var builder = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 4));
        MoveToExternalData(builder, Path.Combine(inside, "weights.bin"), "alias/weights.bin");
        Directory.CreateSymbolicLink(Path.Combine(model, "alias"), inside);
        var path = builder.Write(Path.Combine(model, "alias.onnx"));

        var result = CliRunner.Run("analyze", path, "--no-plots");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.ErrorLines);
    }

    [Fact]
    public void ExternalDataThatIsANamedPipeIsRefused()
    {
        var model = Directory.CreateDirectory(Path.Combine(root, "model")).FullName;
        var builder = OnnxTestModels.Separate(2, AttentionWeights.Random(8, seed: 4));
        MoveToExternalData(builder, Path.Combine(model, "unused.bin"), "pipe.bin");
        var pipe = SpecialFiles.Fifo(Path.Combine(model, "pipe.bin"));
        var path = builder.Write(Path.Combine(model, "pipe.onnx"));

        var result = SpecialFiles.RunWithin([pipe], "analyze", path, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal("error: pipe.onnx: tensor '100' (external data): 'pipe.bin' is a named pipe (FIFO), not a regular file.", Assert.Single(result.ErrorLines));
    }

    // Moves initializer "100" into `file`, named in the model by `location`; returns its byte count.
    private static int MoveToExternalData(OnnxGraphBuilder builder, string file, string location)
    {
        var tensor = builder.Graph.Initializer.First(t => t.Name == "100");
        var data = tensor.RawData.ToByteArray();
        File.WriteAllBytes(file, data);
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        return data.Length;
    }

    private static string SingleError(string path)
    {
        var result = CliRunner.Run("analyze", path, "--no-plots");
        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Empty(result.Output.Trim());
        return Assert.Single(result.ErrorLines);
    }
}
