using Mimetic.Init;
using Mimetic.Io;
using static TorchSharp.torch;

namespace Mimetic.Analysis.Layouts;

/// <summary>
/// Separate query, key and value projections, as in Hugging Face's BART, OPT, CLIP and LLaMA:
/// <c>{prefix}q_proj.weight</c>, <c>k_proj.weight</c>, <c>v_proj.weight</c> (each d×d, <c>Linear</c> storage) and
/// <c>{prefix}out_proj.weight</c> or <c>o_proj.weight</c>. Grouped-query attention (fewer key/value heads) is not supported.
/// </summary>
public sealed class SplitProjectionLayout : AttentionLayout
{
    /// <inheritdoc />
    public override string Name => "split-qkv";

    /// <inheritdoc />
    public override string Pattern => "*.q_proj.weight + *.k_proj.weight + *.v_proj.weight + *.out_proj.weight or *.o_proj.weight";

    /// <inheritdoc />
    protected override string Anchor => "q_proj.weight";

    /// <inheritdoc />
    protected override bool HasCompanions(string prefix, Func<string, bool> contains)
    {
        ArgumentNullException.ThrowIfNull(contains);
        return contains(prefix + "k_proj.weight") && contains(prefix + "v_proj.weight")
            && (contains(prefix + "out_proj.weight") || contains(prefix + "o_proj.weight"));
    }

    /// <inheritdoc />
    protected override AttentionSlot ReadLayer(WeightFile file, string prefix, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        string[] parts = ["q_proj", "k_proj", "v_proj"];
        var query = file.Shape(prefix + "q_proj.weight");
        foreach (var part in parts)
        {
            var shape = file.Shape(prefix + part + ".weight");
            if (shape.Length != 2 || shape[0] != shape[1] || !shape.SequenceEqual(query))
            {
                throw new InvalidModelFileException(
                    $"{Path.GetFileName(file.Path)}: tensor '{prefix}{part}.weight' has shape [{string.Join(", ", shape)}], expected a square d×d matrix like q_proj (grouped-query attention is not supported).");
            }
        }

        using var scope = NewDisposeScope();
        var weight = cat(parts.Select(p => ReadMatrix(file, prefix + p + ".weight")).ToArray(), 0);
        var biases = parts.Select(p => ReadOptional(file, prefix + p + ".bias")).ToArray();
        var bias = biases.All(b => b is not null) ? cat(biases.Select(b => b!).ToArray(), 0) : null;
        var output = prefix + (file.Contains(prefix + "out_proj.weight") ? "out_proj" : "o_proj");
        var slot = new AttentionSlot(
            LayerName(prefix), "split-qkv", (int)query[1], heads,
            weight.MoveToOuterDisposeScope(), bias?.MoveToOuterDisposeScope(),
            ReadMatrix(file, output + ".weight").MoveToOuterDisposeScope(), ReadOptional(file, output + ".bias")?.MoveToOuterDisposeScope());
        return slot;
    }
}
