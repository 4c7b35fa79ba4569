using Mimetic.Init;
using Mimetic.Io;

namespace Mimetic.Analysis.Layouts;

/// <summary>
/// GPT-2: <c>{prefix}c_attn.weight</c> and <c>{prefix}c_proj.weight</c>, e.g. <c>h.3.attn.c_attn.weight</c> or
/// <c>transformer.h.3.attn.c_attn.weight</c>. Hugging Face stores them as <c>Conv1D</c>, in×out (d×3d and d×d),
/// i.e. transposed relative to <c>Linear</c>; nanoGPT stores the same names as <c>Linear</c> (3d×d). The shape of
/// <c>c_attn.weight</c> tells which, and <c>c_proj.weight</c> is read the same way.
/// </summary>
public sealed class Gpt2Layout : AttentionLayout
{
    /// <inheritdoc />
    public override string Name => "gpt2";

    /// <inheritdoc />
    public override string Pattern => "*.c_attn.weight + *.c_proj.weight (e.g. h.0.attn.c_attn.weight)";

    /// <inheritdoc />
    protected override string Anchor => "c_attn.weight";

    /// <inheritdoc />
    protected override bool HasCompanions(string prefix, Func<string, bool> contains)
    {
        ArgumentNullException.ThrowIfNull(contains);
        return contains(prefix + "c_proj.weight");
    }

    /// <inheritdoc />
    protected override AttentionSlot ReadLayer(WeightFile file, string prefix, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        var name = prefix + "c_attn.weight";
        var shape = file.Shape(name);
        var conv1D = shape.Length == 2 && shape[1] == 3 * shape[0];
        var width = FusedWidth(file, name, conv1D ? [shape[1], shape[0]] : shape);
        var inProjection = ReadMatrix(file, name);
        var outProjection = ReadMatrix(file, prefix + "c_proj.weight");
        if (conv1D)
        {
            var (storedIn, storedOut) = (inProjection, outProjection);
            inProjection = storedIn.t().contiguous();
            outProjection = storedOut.t().contiguous();
            storedIn.Dispose();
            storedOut.Dispose();
        }

        return new AttentionSlot(
            LayerName(prefix), conv1D ? "gpt2-conv1d" : "gpt2-linear", width, heads,
            inProjection, ReadOptional(file, prefix + "c_attn.bias"), outProjection, ReadOptional(file, prefix + "c_proj.bias"));
    }
}
