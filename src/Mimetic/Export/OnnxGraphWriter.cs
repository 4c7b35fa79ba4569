using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Mimetic.Export;

/// <summary>
/// Appends nodes and initializers to an ONNX graph (OnnxSharp's protobuf types), naming every computed value uniquely.
/// Weights are copied out of TorchSharp tensors as little-endian float32 raw data.
/// </summary>
internal sealed class OnnxGraphWriter
{
    private readonly HashSet<string> initializerNames = new(StringComparer.Ordinal);
    private int counter;

    public OnnxGraphWriter(string name)
    {
        Graph = new GraphProto { Name = name };
    }

    public GraphProto Graph { get; }

    /// <summary>A float32 initializer with the tensor's shape and values (copied, on the CPU).</summary>
    public string Weight(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var scope = NewDisposeScope();
        var cpu = value.detach().to(ScalarType.Float32).cpu().contiguous();
        var values = cpu.data<float>().ToArray();
        return Floats(name, values, cpu.shape);
    }

    /// <summary>A float32 initializer of the given shape.</summary>
    public string Floats(string name, float[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw data is little-endian; this machine is not.");
        }

        tensor.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float32 scalar initializer.</summary>
    public string Scalar(string name, float value) => Floats(name, [value]);

    /// <summary>An int64 initializer: a 1-D list, or a scalar when <paramref name="scalar"/> is set.</summary>
    public string Int64s(string name, long[] values, bool scalar = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar)
        {
            tensor.Dims.Add(values.Length);
        }

        tensor.Int64Data.Add(values);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>One node with one output; returns the output's name.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{counter}" };
        node.Input.Add(inputs);
        var output = $"{op.ToLowerInvariant()}_{counter++}";
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames the last node's output (so a graph output keeps its declared name).</summary>
    public void NameLastOutput(string name)
    {
        var node = Graph.Node[^1];
        node.Output[0] = name;
    }

    /// <summary>A tensor-typed graph input or output with named (dynamic) or fixed dimensions.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"A dimension is a name or a size, not {dim}."),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private string Claim(string name) =>
        initializerNames.Add(name) ? name : throw new InvalidOperationException($"Two initializers are named '{name}'.");
}
