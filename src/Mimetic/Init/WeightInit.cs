using static TorchSharp.torch;

namespace Mimetic.Init;

/// <summary>
/// Initializations selected by name, applied after a model is built with its default init
/// (timm's <c>weight_init=</c> pattern). A trailing <c>+</c> sets the value/projection sign to +1
/// whatever the options say (language models are often tried with W_v·W_proj ≈ +β2·I).
/// </summary>
public static class WeightInit
{
    /// <summary>The model's own default initialization, untouched.</summary>
    public const string Default = "default";

    /// <summary>Mimetic query/key and value/projection, with the options' value/projection sign.</summary>
    public const string Mimetic = "mimetic";

    /// <summary>Mimetic query/key and value/projection with W_v·W_proj ≈ +β2·I.</summary>
    public const string MimeticPositive = "mimetic+";

    /// <summary>Mimetic query/key only.</summary>
    public const string MimeticQueryKey = "mimetic-qk";

    /// <summary>Mimetic value/projection only, with the options' sign.</summary>
    public const string MimeticValueProjection = "mimetic-vo";

    /// <summary>Mimetic value/projection only, with W_v·W_proj ≈ +β2·I.</summary>
    public const string MimeticValueProjectionPositive = "mimetic-vo+";

    /// <summary>The speedrun value/projection variant (see <see cref="MimeticParts.ValueProjectionIdentityBlocks"/>), with the options' sign.</summary>
    public const string SpeedrunValueProjection = "speedrun-vo";

    /// <summary>The speedrun value/projection variant with +√β2·I blocks in both factors.</summary>
    public const string SpeedrunValueProjectionPositive = "speedrun-vo+";

    /// <summary>All names <see cref="Apply"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        Default, Mimetic, MimeticPositive, MimeticQueryKey, MimeticValueProjection, MimeticValueProjectionPositive,
        SpeedrunValueProjection, SpeedrunValueProjectionPositive,
    ];

    /// <summary>
    /// Applies the named initialization. <paramref name="options"/> supplies α, β, sign and seed; the
    /// name chooses the parts (and, with a trailing <c>+</c>, the sign).
    /// </summary>
    /// <returns>What mimetic initialization touched, or <see langword="null"/> for <c>default</c>.</returns>
    /// <exception cref="ArgumentException">Unknown name or invalid options.</exception>
    public static MimeticInitReport? Apply(nn.Module model, string name, MimeticOptions? options = null, int? multiheadAttentionHeads = null)
    {
        options ??= MimeticOptions.Vision;
        if (!IsKnown(name))
        {
            throw new ArgumentException($"Unknown initialization '{name}'. Known: {string.Join(", ", Names)}.");
        }

        var key = Normalize(name);
        MimeticParts? parts = key.TrimEnd('+') switch
        {
            Mimetic => MimeticParts.Both,
            MimeticQueryKey => MimeticParts.QueryKeyOnly,
            MimeticValueProjection => MimeticParts.ValueProjectionOnly,
            SpeedrunValueProjection => MimeticParts.ValueProjectionIdentityBlocks,
            _ => null,
        };
        var sign = key.EndsWith('+') ? 1 : options.ValueProjectionSign;
        return parts is { } p ? MimeticInitializer.Apply(model, options with { Parts = p, ValueProjectionSign = sign }, multiheadAttentionHeads) : null;
    }

    /// <summary>Whether <paramref name="name"/> is a known initialization.</summary>
    public static bool IsKnown(string name) => Names.Contains(Normalize(name));

    /// <summary>An initialization name as the library compares it (trimmed, lower case).</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant();
    }
}
