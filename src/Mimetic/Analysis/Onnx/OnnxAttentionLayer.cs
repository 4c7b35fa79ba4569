using Mimetic.Init;
using static TorchSharp.torch;

namespace Mimetic.Analysis.Onnx;

/// <summary>Where one projection's weight lives in an ONNX graph.</summary>
/// <param name="Weight">The weight initializer's name.</param>
/// <param name="OutIn">Whether it is stored out×in (<c>Gemm</c> with <c>transB=1</c>); otherwise in×out (x·W, the paper's convention).</param>
/// <param name="Bias">The bias initializer's name, if an <c>Add</c> or <c>Gemm</c> adds one.</param>
/// <param name="Part">For a fused d→3d projection: which third (0 query, 1 key, 2 value); null for a d→d projection.</param>
public sealed record OnnxProjection(string Weight, bool OutIn, string? Bias, int? Part);

/// <summary>One self-attention layer found in an ONNX graph: its four projections, width and heads.</summary>
/// <param name="Name">A name for the layer: the common prefix of its tensors' names where they have one, else <c>attention.N</c>.</param>
/// <param name="Kind"><c>onnx-split-qkv</c> (separate query, key and value weights) or <c>onnx-fused-qkv</c> (one d→3d weight).</param>
/// <param name="Width">Model width d.</param>
/// <param name="Heads">Number of heads.</param>
/// <param name="HeadsSource">Where the head count came from (<c>--heads</c>, <c>graph Reshape</c>, <c>graph scale 1/√k</c>).</param>
/// <param name="Query">The query projection.</param>
/// <param name="Key">The key projection.</param>
/// <param name="Value">The value projection.</param>
/// <param name="Output">The output projection.</param>
public sealed record OnnxAttentionLayer(
    string Name, string Kind, int Width, int Heads, string HeadsSource,
    OnnxProjection Query, OnnxProjection Key, OnnxProjection Value, OnnxProjection Output)
{
    /// <summary>
    /// Reads the layer's weights as float32 in TorchSharp's <c>Linear</c> storage (out×in), the form the analysis takes.
    /// The tensors join the caller's dispose scope.
    /// </summary>
    /// <exception cref="Io.InvalidModelFileException">A weight cannot be read.</exception>
    public AttentionSlot ReadSlot(OnnxModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var inProjection = cat([Weight(file, Query), Weight(file, Key), Weight(file, Value)], 0);
        var biases = new[] { Bias(file, Query), Bias(file, Key), Bias(file, Value) };
        var inBias = biases.All(b => b is not null) ? cat(biases.Select(b => b!).ToArray(), 0) : null;
        var slot = new AttentionSlot(
            Name, Kind, Width, Heads,
            inProjection.MoveToOuterDisposeScope(), inBias?.MoveToOuterDisposeScope(),
            Weight(file, Output).MoveToOuterDisposeScope(), Bias(file, Output)?.MoveToOuterDisposeScope());
        slot.Validate();
        return slot;
    }

    // d×d in Linear storage: the projection's rows (outputs) of its third, or all of them.
    private Tensor Weight(OnnxModelFile file, OnnxProjection projection)
    {
        var initializer = file.Graph.Initializer(projection.Weight)!;
        var shape = OnnxTensorData.Shape(initializer, file.Graph.FileName);
        var stored = tensor(OnnxTensorData.ReadFloats(initializer, file.Path), shape);
        var linear = projection.OutIn ? stored : stored.t();
        return (projection.Part is { } part ? linear.narrow(0, (long)part * Width, Width) : linear).contiguous();
    }

    private Tensor? Bias(OnnxModelFile file, OnnxProjection projection)
    {
        if (projection.Bias is null || file.Graph.Initializer(projection.Bias) is not { } initializer)
        {
            return null;
        }

        var values = tensor(OnnxTensorData.ReadFloats(initializer, file.Path));
        return projection.Part is { } part ? values.narrow(0, (long)part * Width, Width).contiguous() : values;
    }
}
