using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Init;

/// <summary>
/// Applies mimetic initialization to every self-attention layer of a model, after its default init
/// (as timm applies <c>weight_init=</c> after construction). The maths is in <see cref="MimeticMath"/>.
/// </summary>
public static class MimeticInitializer
{
    /// <summary>
    /// Initializes every attention layer of <paramref name="model"/>. Noise comes from a generator seeded
    /// with <see cref="MimeticOptions.Seed"/>, or from TorchSharp's default generator when it is null.
    /// </summary>
    /// <returns>The layers it set, in order.</returns>
    /// <exception cref="ArgumentException">Invalid options, or a model with no attention layer.</exception>
    public static MimeticInitReport Apply(nn.Module model, MimeticOptions? options = null, int? multiheadAttentionHeads = null)
    {
        options ??= MimeticOptions.Vision;
        using var generator = options.Seed is { } seed ? new Generator((ulong)seed) : null;
        return Apply(model, options, generator, multiheadAttentionHeads);
    }

    /// <summary>Initializes every attention layer of <paramref name="model"/>, drawing noise from <paramref name="generator"/>.</summary>
    /// <returns>The layers it set, in order.</returns>
    /// <exception cref="ArgumentException">Invalid options, or a model with no attention layer.</exception>
    public static MimeticInitReport Apply(nn.Module model, MimeticOptions options, Generator? generator, int? multiheadAttentionHeads = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var slots = AttentionFinder.Find(model, multiheadAttentionHeads);
        if (slots.Count == 0)
        {
            throw new ArgumentException(
                $"The model ({model.GetType().Name}) has no attention layer that mimetic initialization understands " +
                $"(a module implementing {nameof(IFusedSelfAttention)}, or TorchSharp's MultiheadAttention).");
        }

        foreach (var slot in slots)
        {
            ApplyToLayer(slot, options, generator);
        }

        return new MimeticInitReport(slots.Select(s => new InitializedLayer(s.Name, s.Kind, s.Width, s.Heads)).ToList());
    }

    /// <summary>
    /// Initializes one attention layer. Noise is always drawn for both halves (see
    /// <see cref="MimeticMath.DrawLayerNoise"/>), so a partial init equals the matching half of the full one. The noise is drawn on
    /// the CPU from <paramref name="generator"/> (the same Z on every device); the targets are built and factorised on the device of
    /// the layer's weights, with the solver <see cref="MimeticOptions.SolverFor(int, DeviceType)"/> picks there.
    /// </summary>
    public static void ApplyToLayer(AttentionSlot slot, MimeticOptions options, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(options);
        slot.Validate();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int d = slot.Width, h = slot.Heads, k = slot.HeadWidth;
        var device = slot.InProjectionWeight.device;
        using var noise = OnDevice(MimeticMath.DrawLayerNoise(d, h, generator), device);
        var solver = options.SolverFor(d, device.type);

        if (options.InitializesQueryKey)
        {
            var target = MimeticMath.QueryKeyTarget(noise.QueryKey, options.Alpha1, options.Beta1);
            var (query, key) = MimeticMath.QueryKeyFactors(target, k, solver);
            // Linear stores Wᵀ: head i's rows are W_q,iᵀ (k×d), heads stacked in order.
            slot.InProjectionWeight.narrow(0, 0, d).copy_(query.mT.reshape(d, d));
            slot.InProjectionWeight.narrow(0, d, d).copy_(key.mT.reshape(d, d));
            slot.InProjectionBias?.narrow(0, 0, 2 * d).zero_();
        }

        if (options.InitializesValueProjection)
        {
            var target = MimeticMath.ValueProjectionTarget(noise.ValueProjection, options.Alpha2, options.Beta2, options.ValueProjectionSign);
            var (value, projection) = MimeticMath.ValueProjectionFactors(target, solver);
            SetValueProjection(slot, value, projection);
        }

        if (options.Parts == MimeticParts.ValueProjectionIdentityBlocks)
        {
            var projectionNoise = OnDevice(MimeticMath.DrawNoise(d, generator), device);
            var (value, projection) = MimeticMath.IdentityBlockFactors(noise.ValueProjection, projectionNoise, options.Alpha2, options.Beta2, options.ValueProjectionSign);
            SetValueProjection(slot, value, projection);
        }

        RequireFinite(slot, options);
    }

    // Large α or β overflow the float32 weights (or the factorisation) into infinities and NaNs, or leave weights so
    // large that the products the init is about (W_q·W_kᵀ, W_v·W_proj: sums of d products) overflow: such an init is an
    // error, never a model to train or a file to write. Reading the weights changes nothing in them.
    private static void RequireFinite(AttentionSlot slot, MimeticOptions options)
    {
        if (slot.InProjectionWeight.device.type == DeviceType.META)
        {
            return;   // shapes only: no values to check
        }

        var limit = Math.Sqrt(float.MaxValue / slot.Width);
        var largest = Math.Max(Largest(slot.InProjectionWeight), Largest(slot.OutProjectionWeight));
        if (largest <= limit)
        {
            return;
        }

        throw new ArgumentException(
            $"mimetic initialization with α1 = {options.Alpha1:G4}, β1 = {options.Beta1:G4}, α2 = {options.Alpha2:G4}, β2 = {options.Beta2:G4} " +
            $"gives NaN, infinite or overflowing weights in {slot.Name} (float32 cannot hold them or their products); use smaller values (--alpha1, --beta1, --alpha2, --beta2).");
    }

    // The largest magnitude in a weight, NaN counting as infinite.
    private static double Largest(Tensor weight)
    {
        if (!weight.isfinite().all().item<bool>())
        {
            return double.PositiveInfinity;
        }

        return weight.abs().max().to(ScalarType.Float64).item<double>();
    }

    /// <summary>The CPU-drawn <paramref name="noise"/> on <paramref name="device"/>; on the CPU itself, the same tensors untouched.</summary>
    private static LayerNoise OnDevice(LayerNoise noise, Device device)
    {
        if (device.type == DeviceType.CPU)
        {
            return noise;
        }

        using (noise)
        {
            return new LayerNoise(noise.QueryKey.to(device), noise.ValueProjection.to(device));
        }
    }

    /// <summary>The CPU-drawn <paramref name="noise"/> on <paramref name="device"/> (itself on the CPU).</summary>
    private static Tensor OnDevice(Tensor noise, Device device) => device.type == DeviceType.CPU ? noise : noise.to(device);

    /// <summary>Stores W_v and W_proj (d×d each, row-vector convention) in Linear layout and zeroes their biases.</summary>
    private static void SetValueProjection(AttentionSlot slot, Tensor value, Tensor projection)
    {
        var d = slot.Width;
        slot.InProjectionWeight.narrow(0, 2 * d, d).copy_(value.mT);
        slot.OutProjectionWeight.copy_(projection.mT);
        slot.InProjectionBias?.narrow(0, 2 * d, d).zero_();
        slot.OutProjectionBias?.zero_();
    }
}

/// <summary>Which attention layers an initialization set.</summary>
/// <param name="Layers">The layers, in model order.</param>
public sealed record MimeticInitReport(IReadOnlyList<InitializedLayer> Layers);

/// <summary>One attention layer that was initialized.</summary>
/// <param name="Name">Its place in the model.</param>
/// <param name="Kind">Its module kind.</param>
/// <param name="Width">Model width d.</param>
/// <param name="Heads">Number of heads.</param>
public sealed record InitializedLayer(string Name, string Kind, int Width, int Heads);
