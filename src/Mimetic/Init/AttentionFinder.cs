using static TorchSharp.torch;

namespace Mimetic.Init;

/// <summary>
/// Finds the self-attention layers of a model: modules that implement <see cref="IFusedSelfAttention"/>
/// (the project's own), and TorchSharp's stock <c>nn.MultiheadAttention</c> (also inside
/// <c>TransformerEncoderLayer</c>), recognised by its parameters <c>in_proj_weight</c> and
/// <c>out_proj.weight</c>. Layers come back in the model's parameter order.
/// </summary>
public static class AttentionFinder
{
    private const string StockInProjection = "in_proj_weight";

    /// <summary>Every attention layer of <paramref name="model"/>.</summary>
    /// <param name="model">Any TorchSharp module.</param>
    /// <param name="multiheadAttentionHeads">
    /// Head count of stock <c>MultiheadAttention</c> layers. TorchSharp's native module does not expose it,
    /// so it must be given when the model has such layers.
    /// </param>
    public static IReadOnlyList<AttentionSlot> Find(nn.Module model, int? multiheadAttentionHeads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = model.named_parameters().ToList();
        var order = parameters.Select((p, i) => (p.name, i)).ToDictionary(p => p.name, p => p.i);
        var byName = parameters.ToDictionary(p => p.name, p => p.parameter);
        var found = new List<(int Order, AttentionSlot Slot)>();

        foreach (var (name, module) in ModulesWithRoot(model))
        {
            if (module is IFusedSelfAttention attention)
            {
                var prefix = name.Length == 0 ? "" : name + ".";
                var slot = new AttentionSlot(
                    name.Length == 0 ? "attn" : name, "fused-qkv", attention.Width, attention.Heads,
                    attention.Qkv.weight!, attention.Qkv.bias, attention.Proj.weight!, attention.Proj.bias);
                found.Add((order.GetValueOrDefault(prefix + "qkv.weight", int.MaxValue), slot));
            }
        }

        foreach (var (name, parameter) in parameters.Where(p => p.name.EndsWith(StockInProjection, StringComparison.Ordinal)))
        {
            var prefix = name[..^StockInProjection.Length];
            if (!byName.TryGetValue(prefix + "out_proj.weight", out var outWeight))
            {
                continue;
            }

            if (multiheadAttentionHeads is not { } heads)
            {
                throw new ArgumentException(
                    $"'{prefix.TrimEnd('.')}' is a TorchSharp MultiheadAttention, which does not expose its head count: pass the number of heads.");
            }

            var slot = new AttentionSlot(
                prefix.Length == 0 ? "self_attn" : prefix.TrimEnd('.'), "torch-mha", (int)parameter.shape[1], heads,
                parameter, byName.GetValueOrDefault(prefix + "in_proj_bias"), outWeight, byName.GetValueOrDefault(prefix + "out_proj.bias"));
            found.Add((order[name], slot));
        }

        var slots = found.OrderBy(f => f.Order).Select(f => f.Slot).ToList();
        slots.ForEach(s => s.Validate());
        return slots;
    }

    private static IEnumerable<(string Name, nn.Module Module)> ModulesWithRoot(nn.Module model)
    {
        yield return ("", model);
        foreach (var (name, module) in model.named_modules())
        {
            if (!ReferenceEquals(module, model))
            {
                yield return (name, module);
            }
        }
    }
}
