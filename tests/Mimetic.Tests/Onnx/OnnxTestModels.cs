using Google.Protobuf;
using Onnx;

namespace Mimetic.Tests.Onnx;

/// <summary>Builds small ONNX graphs with OnnxSharp's protobuf classes, shaped like PyTorch's exports of attention.</summary>
internal sealed class OnnxGraphBuilder
{
    private int counter;

    public GraphProto Graph { get; } = new() { Name = "test" };

    /// <summary>A float initializer of shape [rows, columns].</summary>
    public string Matrix(string name, float[,] values)
    {
        var flat = new float[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(float));
        Graph.Initializer.Add(FloatTensor(name, flat, values.GetLength(0), values.GetLength(1)));
        return name;
    }

    /// <summary>A float vector initializer.</summary>
    public string Vector(string name, float[] values)
    {
        Graph.Initializer.Add(FloatTensor(name, values, values.Length));
        return name;
    }

    /// <summary>A 1-D int64 initializer.</summary>
    public string Ints(params long[] values)
    {
        var name = $"ints{counter++}";
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.Add(values);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A scalar from a <c>Constant</c> node (int64 or float).</summary>
    public string Constant(long? integer = null, float? real = null)
    {
        var tensor = integer is { } i
            ? new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(BitConverter.GetBytes(i)) }
            : new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(real!.Value)) };
        return Node("Constant", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor });
    }

    public string Input(string name)
    {
        Graph.Input.Add(new ValueInfoProto { Name = name });
        return name;
    }

    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    public string[] Nodes(string op, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{counter++}" };
        node.Input.Add(inputs);
        var names = Enumerable.Range(0, outputs).Select(_ => $"v{counter++}").ToArray();
        node.Output.Add(names);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
        return names;
    }

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public byte[] ToBytes()
    {
        var model = new ModelProto { IrVersion = 7, ProducerName = "mimetic-tests", Graph = Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        return model.ToByteArray();
    }

    public string Write(string path)
    {
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    public static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        tensor.RawData = ByteString.CopyFrom(bytes);
        return tensor;
    }
}

/// <summary>One attention layer's weights in the paper's convention (x·W, stored in×out), and its biases.</summary>
internal sealed record AttentionWeights(float[,] Query, float[,] Key, float[,] Value, float[,] Output, float[] QueryBias, float[] OutputBias)
{
    public int Width => Query.GetLength(0);

    public static AttentionWeights Random(int width, int seed)
    {
        var random = new Random(seed);
        float[,] Matrix()
        {
            var m = new float[width, width];
            for (var i = 0; i < width; i++)
            {
                for (var j = 0; j < width; j++)
                {
                    m[i, j] = (float)(random.NextDouble() * 2 - 1);
                }
            }

            return m;
        }

        float[] Bias() => [.. Enumerable.Range(0, width).Select(_ => (float)random.NextDouble())];
        return new AttentionWeights(Matrix(), Matrix(), Matrix(), Matrix(), Bias(), Bias());
    }

    /// <summary>W_q = W_k = 2·I, W_v = I, W_proj = −I: per head W_q,i·W_k,iᵀ is 4 on the head's diagonal, W_v·W_proj = −I.</summary>
    public static AttentionWeights Known(int width)
    {
        float[,] Scaled(float c)
        {
            var m = new float[width, width];
            for (var i = 0; i < width; i++)
            {
                m[i, i] = c;
            }

            return m;
        }

        return new AttentionWeights(Scaled(2), Scaled(2), Scaled(1), Scaled(-1), new float[width], new float[width]);
    }

    /// <summary>[W_q W_k W_v], d×3d.</summary>
    public float[,] Fused()
    {
        var d = Width;
        var m = new float[d, 3 * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                (m[i, j], m[i, d + j], m[i, (2 * d) + j]) = (Query[i, j], Key[i, j], Value[i, j]);
            }
        }

        return m;
    }

    public static float[,] Transposed(float[,] m)
    {
        var t = new float[m.GetLength(1), m.GetLength(0)];
        for (var i = 0; i < m.GetLength(0); i++)
        {
            for (var j = 0; j < m.GetLength(1); j++)
            {
                t[j, i] = m[i, j];
            }
        }

        return t;
    }
}

/// <summary>How a fused d→3d projection is split into query, key and value.</summary>
internal enum FusedStyle
{
    /// <summary>timm's ViT: Reshape to (…, 3, h, k), Transpose, one Gather per part.</summary>
    Gather,

    /// <summary>GPT-2: one Split into three along the last axis.</summary>
    Split,

    /// <summary>One Slice per part along the last axis.</summary>
    Slice,
}

/// <summary>Attention graphs like PyTorch's exports.</summary>
internal static class OnnxTestModels
{
    /// <summary>
    /// A BERT-style export (as of PyTorch 1.10): numbered q/k/v/output weights, named biases added after each MatMul, heads split
    /// by a Reshape whose shape is a Concat of run-time sizes and constants, scores divided by √k and masked before the Softmax.
    /// </summary>
    public static OnnxGraphBuilder Separate(int heads, params AttentionWeights[] layers)
    {
        var g = new OnnxGraphBuilder();
        var x = g.Input("hidden");
        var mask = g.Input("mask");
        for (var l = 0; l < layers.Length; l++)
        {
            var w = layers[l];
            var (d, k) = (w.Width, w.Width / heads);
            string Project(string input, float[,] weight, int id, string part, float[]? bias)
            {
                var product = g.Node("MatMul", [input, g.Matrix($"{100 + (10 * l) + id}", weight)]);
                var biased = g.Node("Add", [g.Vector($"encoder.layer.{l}.attention.{part}.bias", bias ?? new float[d]), product]);
                var shape = g.Nodes("Shape", [biased], 1)[0];
                var batch = g.Node("Unsqueeze", [g.Node("Gather", [shape, g.Constant(integer: 0)]), g.Ints(0)]);
                var length = g.Node("Unsqueeze", [g.Node("Gather", [shape, g.Constant(integer: 1)]), g.Ints(0)]);
                var split = g.Node("Concat", [batch, length, g.Ints(heads), g.Ints(k)], OnnxGraphBuilder.IntAttribute("axis", 0));
                return g.Node("Reshape", [biased, split]);
            }

            var q = g.Node("Transpose", [Project(x, w.Query, 0, "self.query", w.QueryBias)], OnnxGraphBuilder.IntsAttribute("perm", 0, 2, 1, 3));
            var kT = g.Node("Transpose", [Project(x, w.Key, 1, "self.key", null)], OnnxGraphBuilder.IntsAttribute("perm", 0, 2, 3, 1));
            var v = g.Node("Transpose", [Project(x, w.Value, 2, "self.value", null)], OnnxGraphBuilder.IntsAttribute("perm", 0, 2, 1, 3));
            var scores = g.Node("Add", [g.Node("Div", [g.Node("MatMul", [q, kT]), g.Constant(real: MathF.Sqrt(k))]), mask]);
            var attended = g.Node("MatMul", [g.Node("Softmax", [scores], OnnxGraphBuilder.IntAttribute("axis", -1)), v]);
            var merged = g.Node("Reshape", [g.Node("Transpose", [attended], OnnxGraphBuilder.IntsAttribute("perm", 0, 2, 1, 3)), g.Ints(0, 0, d)]);
            var output = g.Node("MatMul", [merged, g.Matrix($"{100 + (10 * l) + 9}", w.Output)]);
            x = g.Node("Add", [g.Node("Add", [g.Vector($"encoder.layer.{l}.attention.output.dense.bias", w.OutputBias), output]), x]);
        }

        return g;
    }

    /// <summary>
    /// A fused-qkv export: one d→3d MatMul and bias, then either a Reshape to (…, 3, h, k), a Transpose and a Gather per
    /// part (timm's ViT; query scaled by 1/√k, output by <c>Gemm</c> with <c>transB=1</c>) or a <c>Split</c> into three
    /// (GPT-2; heads split after it, a causal <c>Where</c> before the Softmax, output by <c>MatMul</c>), or a <c>Slice</c> per part.
    /// </summary>
    public static OnnxGraphBuilder Fused(int heads, FusedStyle style, params AttentionWeights[] layers)
    {
        var g = new OnnxGraphBuilder();
        var x = g.Input("tokens");
        var causal = g.Input("causal");
        for (var l = 0; l < layers.Length; l++)
        {
            var w = layers[l];
            var (d, k) = (w.Width, w.Width / heads);
            var qkv = g.Node("Add", [g.Node("MatMul", [x, g.Matrix($"blocks.{l}.attn.qkv.weight", w.Fused())]), g.Vector($"blocks.{l}.attn.qkv.bias", new float[3 * d])]);
            string q, kT, v;
            var split = style != FusedStyle.Gather;
            if (split)
            {
                var parts = style == FusedStyle.Split
                    ? g.Nodes("Split", [qkv, g.Ints(d, d, d)], 3, OnnxGraphBuilder.IntAttribute("axis", 2))
                    : [.. Enumerable.Range(0, 3).Select(p => g.Node("Slice", [qkv, g.Ints(p * d), g.Ints((p + 1) * d), g.Ints(-1)]))];
                string Heads(string part, params long[] perm) =>
                    g.Node("Transpose", [g.Node("Reshape", [part, g.Ints(0, 0, heads, k)])], OnnxGraphBuilder.IntsAttribute("perm", perm));
                (q, kT, v) = (Heads(parts[0], 0, 2, 1, 3), Heads(parts[1], 0, 2, 3, 1), Heads(parts[2], 0, 2, 1, 3));
            }
            else
            {
                var stacked = g.Node("Transpose", [g.Node("Reshape", [qkv, g.Ints(0, 0, 3, heads, k)])], OnnxGraphBuilder.IntsAttribute("perm", 2, 0, 3, 1, 4));
                string Part(long index) => g.Node("Gather", [stacked, g.Constant(integer: index)], OnnxGraphBuilder.IntAttribute("axis", 0));
                q = g.Node("Mul", [Part(0), g.Constant(real: 1 / MathF.Sqrt(k))]);
                kT = g.Node("Transpose", [Part(1)], OnnxGraphBuilder.IntsAttribute("perm", 0, 1, 3, 2));
                v = Part(2);
            }

            var scores = g.Node("MatMul", [q, kT]);
            if (split)
            {
                scores = g.Node("Where", [causal, scores, g.Constant(real: -1e4f)]);
            }

            var attended = g.Node("MatMul", [g.Node("Softmax", [scores], OnnxGraphBuilder.IntAttribute("axis", -1)), v]);
            var merged = g.Node("Reshape", [g.Node("Transpose", [attended], OnnxGraphBuilder.IntsAttribute("perm", 0, 2, 1, 3)), g.Ints(0, 0, d)]);
            var bias = g.Vector($"blocks.{l}.attn.proj.bias", w.OutputBias);
            x = split
                ? g.Node("Add", [g.Node("MatMul", [merged, g.Matrix($"blocks.{l}.attn.proj.weight", w.Output)]), bias])
                : g.Node("Gemm", [merged, g.Matrix($"blocks.{l}.attn.proj.weight", AttentionWeights.Transposed(w.Output)), bias], OnnxGraphBuilder.IntAttribute("transB", 1));
        }

        return g;
    }
}
