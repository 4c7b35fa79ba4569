using static TorchSharp.torch;

namespace Mimetic.Init;

/// <summary>
/// Initializations selected by name, applied after a model is built with its default init
/// (timm's <c>weight_init=</c> pattern).
/// </summary>
public static class WeightInit
{
    /// <summary>The model's own default initialization, untouched.</summary>
    public const string Default = "default";

    /// <summary>Mimetic query/key and value/projection.</summary>
    public const string Mimetic = "mimetic";

    /// <summary>Mimetic query/key only.</summary>
    public const string MimeticQueryKey = "mimetic-qk";

    /// <summary>Mimetic value/projection only.</summary>
    public const string MimeticValueProjection = "mimetic-vo";

    /// <summary>All names <see cref="Apply"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [Default, Mimetic, MimeticQueryKey, MimeticValueProjection];

    /// <summary>
    /// Applies the named initialization. <paramref name="options"/> supplies α, β, sign and seed; the
    /// name chooses the parts.
    /// </summary>
    /// <returns>What mimetic initialization touched, or <see langword="null"/> for <c>default</c>.</returns>
    /// <exception cref="ArgumentException">Unknown name or invalid options.</exception>
    public static MimeticInitReport? Apply(nn.Module model, string name, MimeticOptions? options = null, int? multiheadAttentionHeads = null)
    {
        options ??= MimeticOptions.Vision;
        MimeticParts? parts = Normalize(name) switch
        {
            Default => null,
            Mimetic => MimeticParts.Both,
            MimeticQueryKey => MimeticParts.QueryKeyOnly,
            MimeticValueProjection => MimeticParts.ValueProjectionOnly,
            _ => throw new ArgumentException($"Unknown initialization '{name}'. Known: {string.Join(", ", Names)}."),
        };
        return parts is { } p ? MimeticInitializer.Apply(model, options with { Parts = p }, multiheadAttentionHeads) : null;
    }

    /// <summary>Whether <paramref name="name"/> is a known initialization.</summary>
    public static bool IsKnown(string name) => Names.Contains(Normalize(name));

    private static string Normalize(string name) => name.Trim().ToLowerInvariant();
}
