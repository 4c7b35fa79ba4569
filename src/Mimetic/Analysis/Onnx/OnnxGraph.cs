using Onnx;

namespace Mimetic.Analysis.Onnx;

/// <summary>
/// An ONNX graph indexed for walking: who produces each value, who consumes it, and which values are constants
/// (initializers or <c>Constant</c> nodes).
/// </summary>
public sealed class OnnxGraph
{
    private readonly Dictionary<string, NodeProto> producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> initializers = new(StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="graph"/>; <paramref name="fileName"/> names the model in messages.</summary>
    public OnnxGraph(GraphProto graph, string fileName)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Proto = graph;
        FileName = fileName;
        foreach (var tensor in graph.Initializer)
        {
            initializers.TryAdd(tensor.Name, tensor);
        }

        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                producers.TryAdd(output, node);
            }

            foreach (var input in node.Input.Where(i => i.Length > 0).Distinct(StringComparer.Ordinal))
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }
        }
    }

    /// <summary>The graph.</summary>
    public GraphProto Proto { get; }

    /// <summary>The model file's name, for messages.</summary>
    public string FileName { get; }

    /// <summary>The nodes in file order (ONNX stores them topologically sorted).</summary>
    public IEnumerable<NodeProto> Nodes => Proto.Node;

    /// <summary>The node that produces <paramref name="value"/>, or null for graph inputs and initializers.</summary>
    public NodeProto? Producer(string value) => producers.GetValueOrDefault(value);

    /// <summary>The nodes that read <paramref name="value"/>.</summary>
    public IReadOnlyList<NodeProto> Consumers(string value) =>
        consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>The initializer of that name, or null.</summary>
    public TensorProto? Initializer(string value) => initializers.GetValueOrDefault(value);

    /// <summary>Whether <paramref name="value"/> is fixed by the file: an initializer or a <c>Constant</c> node's output.</summary>
    public bool IsConstant(string value) =>
        initializers.ContainsKey(value) || Producer(value)?.OpType == "Constant";

    /// <summary>
    /// The integer values of a small constant (at most <paramref name="maxCount"/> of them): an initializer, a
    /// <c>Constant</c> node, or either seen through <c>Unsqueeze</c>/<c>Squeeze</c>/<c>Cast</c>/<c>Identity</c>. Null when
    /// the value is computed at run time or is not a small integer tensor.
    /// </summary>
    public long[]? IntegerValues(string value, int maxCount = 16)
    {
        for (var step = 0; step < 8; step++)
        {
            if (Initializer(value) is { } tensor)
            {
                return OnnxTensorData.SmallIntegers(tensor, maxCount);
            }

            var node = Producer(value);
            switch (node?.OpType)
            {
                case "Constant":
                    return ConstantIntegers(node, maxCount);
                case "Unsqueeze" or "Squeeze" or "Cast" or "Identity" when node.Input.Count > 0:
                    value = node.Input[0];
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>A scalar floating-point constant (initializer or <c>Constant</c> node), or null.</summary>
    public double? ScalarValue(string value)
    {
        var tensor = Initializer(value) ?? ConstantTensor(Producer(value));
        return tensor is null ? null : OnnxTensorData.Scalar(tensor);
    }

    /// <summary>The integer attribute <paramref name="name"/> of a node, or <paramref name="fallback"/>.</summary>
    public static long IntAttribute(NodeProto node, string name, long fallback)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;
    }

    /// <summary>The integer-list attribute <paramref name="name"/> of a node, or null.</summary>
    public static long[]? IntsAttribute(NodeProto node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Attribute.FirstOrDefault(a => a.Name == name) is { Ints.Count: > 0 } attribute ? [.. attribute.Ints] : null;
    }

    /// <summary>
    /// The first node (in file order) that depends on its own output through the graph, or null when the graph is acyclic,
    /// as ONNX requires. Walks that follow a cycle would meet their bound and find nothing, or find the wrong weights.
    /// </summary>
    public NodeProto? FirstNodeOnACycle()
    {
        var nodes = Proto.Node;
        var index = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < nodes.Count; i++)
        {
            index[nodes[i]] = i;
        }

        // Kahn's algorithm: a node is done once every node producing one of its inputs is; what is never done lies on or
        // after a cycle.
        var waiting = new int[nodes.Count];
        var dependents = new List<int>[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            dependents[i] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var producer in nodes[i].Input.Where(v => v.Length > 0).Select(Producer).OfType<NodeProto>().Distinct())
            {
                waiting[i]++;
                dependents[index[producer]].Add(i);
            }
        }

        var ready = new Queue<int>(Enumerable.Range(0, nodes.Count).Where(i => waiting[i] == 0));
        var done = 0;
        while (ready.TryDequeue(out var next))
        {
            done++;
            foreach (var dependent in dependents[next])
            {
                if (--waiting[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }

        return done == nodes.Count ? null : nodes.First(n => waiting[index[n]] > 0 && OnACycle(n));
    }

    // Whether the node can reach itself by following its outputs' consumers (bounded by the node count).
    private bool OnACycle(NodeProto start)
    {
        var seen = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var frontier = new Stack<NodeProto>(start.Output.Where(o => o.Length > 0).SelectMany(Consumers));
        while (frontier.TryPop(out var node))
        {
            if (ReferenceEquals(node, start))
            {
                return true;
            }

            if (seen.Add(node))
            {
                foreach (var consumer in node.Output.Where(o => o.Length > 0).SelectMany(Consumers))
                {
                    frontier.Push(consumer);
                }
            }
        }

        return false;
    }

    private static TensorProto? ConstantTensor(NodeProto? node) =>
        node is { OpType: "Constant" } ? node.Attribute.FirstOrDefault(a => a.Name == "value")?.T : null;

    private static long[]? ConstantIntegers(NodeProto node, int maxCount)
    {
        foreach (var attribute in node.Attribute)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.T is not null:
                    return OnnxTensorData.SmallIntegers(attribute.T, maxCount);
                case "value_int":
                    return [attribute.I];
                case "value_ints" when attribute.Ints.Count <= maxCount:
                    return [.. attribute.Ints];
            }
        }

        return null;
    }
}
