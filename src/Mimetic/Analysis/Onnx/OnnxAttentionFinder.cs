using Mimetic.Io;
using System.Globalization;
using Onnx;

namespace Mimetic.Analysis.Onnx;

/// <summary>
/// Finds self-attention layers in an ONNX graph by its data flow, not by names (exporters often number the weights):
/// each <c>Softmax</c> fed by a <c>MatMul</c> of two computed values (Q·Kᵀ, possibly scaled and masked) and feeding a
/// <c>MatMul</c> with V is an attention layer. Q, K and V are traced back through reshapes, transposes, scalings and
/// bias <c>Add</c>s to a <c>MatMul</c> or <c>Gemm</c> with a weight initializer — three d→d weights (BERT-style exports)
/// or one d→3d weight whose third is chosen by a <c>Split</c>, <c>Gather</c> or <c>Slice</c> (fused-qkv exports); the
/// output of ·V is traced forward to the output projection. Every walk is bounded.
/// </summary>
public static class OnnxAttentionFinder
{
    private const int MaxSteps = 32;
    private static readonly HashSet<string> ScoreOps = ["Div", "Mul", "Add", "Sub", "Where", "Cast", "Identity", "Reshape", "Max", "Min"];
    private static readonly HashSet<string> PassThroughOps = ["Transpose", "Squeeze", "Unsqueeze", "Identity", "Cast", "Reshape", "Flatten", "Dropout"];

    /// <summary>The attention layers of <paramref name="file"/>, in graph order.</summary>
    /// <param name="file">The model.</param>
    /// <param name="heads">A head count for every layer (<c>--heads</c>); otherwise it is read from the graph.</param>
    /// <exception cref="InvalidModelFileException">No attention layer is found, or a found layer's weights do not fit together.</exception>
    /// <exception cref="ArgumentException">The head count is not given and cannot be read from the graph, or does not divide the width.</exception>
    public static IReadOnlyList<OnnxAttentionLayer> Find(OnnxModelFile file, int? heads = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var graph = file.Graph;
        var layers = new List<OnnxAttentionLayer>();
        var softmaxCount = 0;
        string? firstMiss = null;
        foreach (var softmax in graph.Nodes.Where(n => n.OpType == "Softmax" && n.Input.Count > 0 && n.Output.Count > 0))
        {
            softmaxCount++;
            var (layer, miss) = TryLayer(graph, softmax, layers.Count, heads);
            if (layer is not null)
            {
                layers.Add(layer with { Name = Unique(layer.Name, layers) });
            }
            else
            {
                firstMiss ??= miss;
            }
        }

        if (layers.Count == 0)
        {
            throw new InvalidModelFileException(
                $"{graph.FileName}: found no self-attention layer in the ONNX graph (MatMul(Q, Kᵀ) → Softmax → MatMul(·, V)); " +
                (firstMiss is null ? "it has no Softmax." : $"{softmaxCount} Softmax node(s), the first: {firstMiss}."));
        }

        return layers;
    }

    private static (OnnxAttentionLayer? Layer, string? Miss) TryLayer(OnnxGraph graph, NodeProto softmax, int index, int? heads)
    {
        var scores = ScoresMatMul(graph, softmax.Input[0], depth: 0, []);
        if (scores is null)
        {
            return (null, $"{softmax.Name} is not fed by a MatMul of two computed values");
        }

        var weighted = WeightedValues(graph, softmax.Output[0]);
        if (weighted is null)
        {
            return (null, $"{softmax.Name} does not feed a MatMul with V");
        }

        var query = TraceProjection(graph, scores.Input[0]);
        var key = TraceProjection(graph, scores.Input[1]);
        var value = TraceProjection(graph, weighted.Input[1]);
        var output = TraceOutput(graph, weighted.Output[0]);
        if (query is null || key is null || value is null || output is null)
        {
            var missing = new[] { ("query", query), ("key", key), ("value", value), ("output", output) }.First(p => p.Item2 is null).Item1;
            return (null, $"its {missing} does not come from a MatMul or Gemm with a weight");
        }

        var width = SquareWidth(graph, output.Projection);
        var projections = new[] { ("query", query), ("key", key), ("value", value) }
            .Select(p => Fit(graph, p.Item1, p.Item2, width))
            .ToArray();
        var output2 = FitBias(graph, output.Projection, width);
        var (count, source) = Heads(graph, width, heads, [query, key, value], scores, softmax);
        var kind = projections.Select(p => p.Weight).Distinct(StringComparer.Ordinal).Count() == 1 ? "onnx-fused-qkv" : "onnx-split-qkv";
        var name = LayerName([.. projections, output2], index);
        return (new OnnxAttentionLayer(name, kind, width, count, source, projections[0], projections[1], projections[2], output2), null);
    }

    /// <summary>A projection found by walking back from Q, K or V, with what the walk saw on the way.</summary>
    private sealed record Trace(OnnxProjection Projection, int? Part, long? SliceStart, long[]? Shape, int OutWidth, double Scale = 1);

    // Backwards from the Softmax input through scaling and masking to the Q·Kᵀ MatMul (both inputs computed).
    private static NodeProto? ScoresMatMul(OnnxGraph graph, string value, int depth, HashSet<string> seen)
    {
        if (depth > 8 || !seen.Add(value) || graph.Producer(value) is not { } node)
        {
            return null;
        }

        if (node.OpType == "MatMul" && node.Input.Count == 2 && !graph.IsConstant(node.Input[0]) && !graph.IsConstant(node.Input[1]))
        {
            return node;
        }

        return ScoreOps.Contains(node.OpType)
            ? node.Input.Where(i => i.Length > 0 && !graph.IsConstant(i)).Select(i => ScoresMatMul(graph, i, depth + 1, seen)).FirstOrDefault(n => n is not null)
            : null;
    }

    // Forwards from the Softmax output (through Cast/Dropout) to the MatMul with V.
    private static NodeProto? WeightedValues(OnnxGraph graph, string value)
    {
        for (var step = 0; step < 6; step++)
        {
            var next = graph.Consumers(value).Where(n => n.OpType != "Shape").ToList();
            if (next.FirstOrDefault(n => n.OpType == "MatMul" && n.Input.Count == 2 && n.Input[0] == value) is { } matMul)
            {
                return matMul;
            }

            if (next.Count != 1 || next[0].OpType is not ("Cast" or "Dropout" or "Identity") || next[0].Output.Count == 0)
            {
                return null;
            }

            value = next[0].Output[0];
        }

        return null;
    }

    // Backwards from Q, K or V to the MatMul/Gemm with a weight initializer.
    private static Trace? TraceProjection(OnnxGraph graph, string value)
    {
        int? part = null;
        long? sliceStart = null;
        long[]? shape = null;
        string? bias = null;
        var scale = 1.0;
        for (var step = 0; step < MaxSteps; step++)
        {
            if (graph.Producer(value) is not { } node || node.Input.Count == 0)
            {
                return null;
            }

            switch (node.OpType)
            {
                case "MatMul" or "Gemm":
                    return Projection(graph, node, bias) is { } projection
                        ? new Trace(projection.Projection, part, sliceStart, shape, projection.OutWidth, scale)
                        : null;
                case "Add" or "Mul" or "Div" when node.Input.Count == 2:
                    var constant = node.Input.Count(graph.IsConstant);
                    if (constant != 1 || (node.OpType == "Div" && graph.IsConstant(node.Input[0])))
                    {
                        return null;
                    }

                    var fixedInput = graph.IsConstant(node.Input[0]) ? node.Input[0] : node.Input[1];
                    if (node.OpType == "Add")
                    {
                        bias ??= graph.Initializer(fixedInput) is not null ? fixedInput : null;
                    }
                    else if (graph.ScalarValue(fixedInput) is { } factor and not 0)
                    {
                        scale *= node.OpType == "Mul" ? factor : 1 / factor;
                    }

                    value = graph.IsConstant(node.Input[0]) ? node.Input[1] : node.Input[0];
                    break;
                case "Reshape" when node.Input.Count == 2:
                    shape ??= ShapeValues(graph, node.Input[1]);
                    value = node.Input[0];
                    break;
                case "Split":
                    var sizes = node.Input.Count > 1 && node.Input[1].Length > 0 ? graph.IntegerValues(node.Input[1]) : OnnxGraph.IntsAttribute(node, "split");
                    if (sizes is not null && sizes.Distinct().Count() != 1)
                    {
                        return null;
                    }

                    part ??= node.Output.IndexOf(value);
                    value = node.Input[0];
                    break;
                case "Gather" when node.Input.Count == 2:
                    if (graph.IntegerValues(node.Input[1]) is not [var index] || index is < 0 or > 2)
                    {
                        return null;
                    }

                    part ??= (int)index;
                    value = node.Input[0];
                    break;
                case "Slice" when node.Input.Count >= 3:
                    if (graph.IntegerValues(node.Input[1]) is not [var start] || start < 0)
                    {
                        return null;
                    }

                    sliceStart ??= start;
                    value = node.Input[0];
                    break;
                case var op when PassThroughOps.Contains(op):
                    value = node.Input[0];
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    // Forwards from the ·V MatMul through transposes and reshapes to the output projection and its bias.
    private static Trace? TraceOutput(OnnxGraph graph, string value)
    {
        for (var step = 0; step < MaxSteps; step++)
        {
            var next = graph.Consumers(value).Where(n => n.OpType != "Shape").ToList();
            if (next.Count != 1 || next[0].Output.Count == 0 || next[0].Input.Count == 0 || next[0].Input[0] != value)
            {
                return null;
            }

            var node = next[0];
            if (node.OpType is "MatMul" or "Gemm")
            {
                var bias = node.OpType == "Gemm" ? null : AddedBias(graph, node.Output[0]);
                return Projection(graph, node, bias) is { } projection ? new Trace(projection.Projection, null, null, null, projection.OutWidth) : null;
            }

            if (!PassThroughOps.Contains(node.OpType))
            {
                return null;
            }

            value = node.Output[0];
        }

        return null;
    }

    // A MatMul x·W or a Gemm with its weight (and bias) initializers.
    private static (OnnxProjection Projection, int OutWidth)? Projection(OnnxGraph graph, NodeProto node, string? bias)
    {
        if (node.Input.Count < 2 || graph.Initializer(node.Input[1]) is not { Dims.Count: 2 } weight || graph.IsConstant(node.Input[0]))
        {
            return null;
        }

        _ = OnnxTensorData.Shape(weight, graph.FileName);
        var outIn = false;
        if (node.OpType == "Gemm")
        {
            if (OnnxGraph.IntAttribute(node, "transA", 0) != 0)
            {
                return null;
            }

            outIn = OnnxGraph.IntAttribute(node, "transB", 0) != 0;
            bias = node.Input.Count > 2 && graph.Initializer(node.Input[2]) is not null ? node.Input[2] : bias;
        }

        var outWidth = weight.Dims[outIn ? 0 : 1];
        return outWidth is > 0 and <= int.MaxValue ? (new OnnxProjection(weight.Name, outIn, bias, null), (int)outWidth) : null;
    }

    // The initializer an Add right after a projection adds, if any.
    private static string? AddedBias(OnnxGraph graph, string value) =>
        graph.Consumers(value) is [{ OpType: "Add", Input.Count: 2 } add]
            ? add.Input.FirstOrDefault(i => i != value && graph.Initializer(i) is not null)
            : null;

    // The width d from the output projection, which must be d×d.
    private static int SquareWidth(OnnxGraph graph, OnnxProjection output)
    {
        var dims = OnnxTensorData.Shape(graph.Initializer(output.Weight)!, graph.FileName);
        return dims[0] == dims[1] && dims[0] is > 0 and <= int.MaxValue
            ? (int)dims[0]
            : throw new InvalidModelFileException(
                $"{graph.FileName}: the attention output projection '{output.Weight}' has shape [{string.Join(", ", dims)}], expected d×d.");
    }

    // Checks a query/key/value projection against d and fixes its third of a fused d→3d weight.
    private static OnnxProjection Fit(OnnxGraph graph, string what, Trace trace, int width)
    {
        var dims = OnnxTensorData.Shape(graph.Initializer(trace.Projection.Weight)!, graph.FileName);
        var inWidth = dims[trace.Projection.OutIn ? 1 : 0];
        int? part = null;
        if (trace.OutWidth == 3L * width)
        {
            part = trace.Part ?? (trace.SliceStart is { } start && start % width == 0 ? (int)(start / width) : null);
            if (part is not (>= 0 and <= 2))
            {
                throw new InvalidModelFileException(
                    $"{graph.FileName}: the fused projection '{trace.Projection.Weight}' feeds the {what}, but the graph does not show which third (no Split, Gather or Slice).");
            }
        }
        else if (trace.OutWidth != width)
        {
            throw new InvalidModelFileException(
                $"{graph.FileName}: the {what} projection '{trace.Projection.Weight}' has shape [{string.Join(", ", dims)}], expected d×d or d×3d for d = {width} (grouped-query attention is not supported).");
        }

        if (inWidth != width)
        {
            throw new InvalidModelFileException(
                $"{graph.FileName}: the {what} projection '{trace.Projection.Weight}' reads {inWidth} features, expected {width}.");
        }

        return FitBias(graph, trace.Projection, trace.OutWidth) with { Part = part };
    }

    // Keeps a bias only if it is a vector as long as the projection's output.
    private static OnnxProjection FitBias(OnnxGraph graph, OnnxProjection projection, int outWidth) =>
        projection.Bias is { } bias && graph.Initializer(bias) is { Dims: [var length] } && length == outWidth
            ? projection
            : projection with { Bias = null };

    private static (int Heads, string Source) Heads(OnnxGraph graph, int width, int? requested, Trace[] traces, NodeProto scores, NodeProto softmax)
    {
        if (requested is { } given)
        {
            return width % given == 0 && given > 0
                ? (given, "--heads")
                : throw new ArgumentException($"{graph.FileName}: width {width} is not divisible by --heads {given}.");
        }

        // A head split reshapes the projection's last axis into (…, h, k): the last entry is k.
        foreach (var trace in traces)
        {
            if (trace.Shape is [.., var k] && k > 0 && k < width && width % k == 0)
            {
                return ((int)(width / k), "graph Reshape");
            }
        }

        // Scores scaled by 1/√k: Div by √k or Mul by 1/√k between Q·Kᵀ and the Softmax, or on Q (and K) before it.
        var total = traces[0].Scale * traces[1].Scale;
        for (var (value, step) = (softmax.Input[0], 0); step < 8 && graph.Producer(value) is { } node && node != scores; step++)
        {
            if (node.OpType is "Div" or "Mul" && node.Input.Count == 2 && node.Input.FirstOrDefault(graph.IsConstant) is { } constant
                && graph.ScalarValue(constant) is { } factor and > 0)
            {
                total *= node.OpType == "Mul" ? factor : 1 / factor;
            }

            value = node.Input.FirstOrDefault(i => !graph.IsConstant(i)) ?? "";
        }

        if (total is > 0 and < 1)
        {
            var k = 1 / (total * total);
            var rounded = Math.Round(k);
            if (rounded >= 1 && Math.Abs(k - rounded) < 1e-3 * rounded && width % rounded == 0)
            {
                return ((int)(width / rounded), "graph scale 1/√k");
            }
        }

        throw new ArgumentException($"{graph.FileName}: the graph does not show the head count of its attention layers: pass --heads N.");
    }

    // The values of a Reshape's shape: a constant, or a Concat of constants and run-time values (-1 for those).
    private static long[]? ShapeValues(OnnxGraph graph, string value)
    {
        if (graph.IntegerValues(value) is { } constant)
        {
            return constant;
        }

        if (graph.Producer(value) is not { OpType: "Concat" } concat || concat.Input.Count > 16)
        {
            return null;
        }

        return [.. concat.Input.SelectMany(i => graph.IntegerValues(i) ?? [-1])];
    }

    // The common dotted prefix of the layer's tensor names (e.g. encoder.layer.0.attention), else attention.N.
    private static string LayerName(OnnxProjection[] projections, int index)
    {
        var names = projections.SelectMany(p => new[] { p.Weight, p.Bias }).OfType<string>().Where(n => n.Contains('.', StringComparison.Ordinal)).ToList();
        if (names.Count > 0)
        {
            var parts = names.Select(n => n.Split('.')).ToList();
            var common = Enumerable.Range(0, parts.Min(p => p.Length - 1)).TakeWhile(i => parts.All(p => p[i] == parts[0][i])).Count();
            if (common > 0)
            {
                return string.Join('.', parts[0].Take(common));
            }
        }

        return "attention." + index.ToString(CultureInfo.InvariantCulture);
    }

    private static string Unique(string name, List<OnnxAttentionLayer> layers) =>
        layers.Any(l => l.Name == name) ? $"{name}.{layers.Count.ToString(CultureInfo.InvariantCulture)}" : name;
}
