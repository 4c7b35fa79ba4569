using Mimetic.Init;
using Mimetic.Io;
using static TorchSharp.torch;

namespace Mimetic.Analysis.Layouts;

/// <summary>
/// How a model file names and stores its attention weights. A layout finds layers by an anchor tensor
/// (e.g. <c>blocks.3.attn.qkv.weight</c>) whose companions (e.g. <c>blocks.3.attn.proj.weight</c>) are also
/// present — whatever prefix the names carry (<c>model.</c>, <c>module.</c>, …) — and converts the layer's
/// weights to an <see cref="AttentionSlot"/> in TorchSharp's <c>Linear</c> storage.
/// </summary>
public abstract class AttentionLayout
{
    /// <summary>The layout's name, as <c>--layout</c> takes it.</summary>
    public abstract string Name { get; }

    /// <summary>The tensor names it looks for, for messages, e.g. <c>*.qkv.weight + *.proj.weight</c>.</summary>
    public abstract string Pattern { get; }

    /// <summary>The last dotted parts of the tensor that marks a layer, e.g. <c>qkv.weight</c>.</summary>
    protected abstract string Anchor { get; }

    /// <summary>Whether the tensors a layer needs besides its anchor are present.</summary>
    /// <param name="prefix">The layer's prefix, ending in a dot unless empty (e.g. <c>blocks.3.attn.</c>).</param>
    /// <param name="contains">Whether the file has a tensor of a given name.</param>
    protected abstract bool HasCompanions(string prefix, Func<string, bool> contains);

    /// <summary>Reads one layer's weights as float32, in <c>Linear</c> storage.</summary>
    /// <param name="file">The model file.</param>
    /// <param name="prefix">The layer's prefix, as <see cref="FindLayers"/> returned it.</param>
    /// <param name="heads">Number of heads.</param>
    protected abstract AttentionSlot ReadLayer(WeightFile file, string prefix, int heads);

    /// <summary>The prefixes of the layers this layout finds among <paramref name="names"/>, in natural order (<c>blocks.2</c> before <c>blocks.10</c>).</summary>
    public IReadOnlyList<string> FindLayers(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var set = names as ISet<string> ?? new HashSet<string>(names, StringComparer.Ordinal);
        return names
            .Where(n => n.EndsWith(Anchor, StringComparison.Ordinal) && (n.Length == Anchor.Length || n[^(Anchor.Length + 1)] == '.'))
            .Select(n => n[..^Anchor.Length])
            .Where(prefix => HasCompanions(prefix, set.Contains))
            .Distinct(StringComparer.Ordinal)
            .Order(NaturalOrder.Instance)
            .ToList();
    }

    /// <summary>
    /// Reads and validates one layer. The tensors are new (float32) and join the caller's dispose scope.
    /// </summary>
    /// <exception cref="InvalidModelFileException">A tensor is not a matrix or has the wrong shape for the layout.</exception>
    /// <exception cref="ArgumentException">The width is not divisible by <paramref name="heads"/>.</exception>
    public AttentionSlot Read(WeightFile file, string prefix, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(prefix);
        var slot = ReadLayer(file, prefix, heads);
        slot.Validate();
        return slot;
    }

    /// <summary>Reads and validates every layer this layout finds in <paramref name="file"/> (all in memory at once).</summary>
    public IReadOnlyList<AttentionSlot> ReadAll(WeightFile file, int heads)
    {
        ArgumentNullException.ThrowIfNull(file);
        return FindLayers(file.Names).Select(prefix => Read(file, prefix, heads)).ToList();
    }

    /// <summary>A layer's display name: its prefix without the final dot, or <paramref name="fallback"/> for an empty prefix.</summary>
    protected static string LayerName(string prefix, string fallback = "attn") =>
        prefix.Length == 0 ? fallback : prefix.TrimEnd('.');

    /// <summary>Reads a matrix, or throws a one-line <see cref="InvalidModelFileException"/> if the tensor is not 2-D.</summary>
    protected static Tensor ReadMatrix(WeightFile file, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        var shape = file.Shape(name);
        if (shape.Length != 2 || shape[0] == 0 || shape[1] == 0)
        {
            throw new InvalidModelFileException(
                $"{Path.GetFileName(file.Path)}: tensor '{name}' has shape [{string.Join(", ", shape)}], expected a non-empty matrix.");
        }

        return file.ReadFloat(name);
    }

    /// <summary>Reads a tensor if present, else null.</summary>
    protected static Tensor? ReadOptional(WeightFile file, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Contains(name) ? file.ReadFloat(name) : null;
    }

    /// <summary>The width d of a 3d×d fused in-projection, or a one-line error.</summary>
    protected static int FusedWidth(WeightFile file, string name, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length != 2 || shape[0] != 3 * shape[1] || shape[1] > int.MaxValue)
        {
            throw new InvalidModelFileException(
                $"{Path.GetFileName(file.Path)}: tensor '{name}' has shape [{string.Join(", ", shape)}], expected [3d, d] for a fused query/key/value projection.");
        }

        return (int)shape[1];
    }
}

/// <summary>Orders strings with embedded numbers by value: <c>h.2</c> before <c>h.10</c>.</summary>
internal sealed class NaturalOrder : IComparer<string>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return (x is null).CompareTo(y is null);
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (xi, yj) = (i, j);
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var (a, b) = (x[xi..i].TrimStart('0'), y[yj..j].TrimStart('0'));
                var byValue = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (byValue != 0)
                {
                    return byValue;
                }
            }
            else
            {
                if (x[i] != y[j])
                {
                    return x[i].CompareTo(y[j]);
                }

                i++;
                j++;
            }
        }

        return (x.Length - i).CompareTo(y.Length - j);
    }
}
