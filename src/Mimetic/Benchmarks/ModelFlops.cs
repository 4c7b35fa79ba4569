using Mimetic.Models;

namespace Mimetic.Benchmarks;

/// <summary>
/// Floating-point operations of a Vision Transformer or GPT, counted analytically from its config
/// (a multiply-add is 2 FLOPs; norms, softmax, GELU and additions are left out, as is usual).
/// </summary>
public static class ModelFlops
{
    /// <summary>Forward FLOPs for one image.</summary>
    public static double ForwardPerImage(VisionTransformerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double d = config.Width;
        double n = config.Tokens;
        double patches = config.GridSize * config.GridSize;
        var hidden = Math.Round(d * config.MlpRatio);
        var patchEmbedding = 2 * patches * config.Channels * config.PatchSize * config.PatchSize * d;
        var perBlock =
            2 * n * d * 3 * d          // fused query/key/value projection
            + 2 * n * n * d            // scores Q·Kᵀ over all heads
            + 2 * n * n * d            // attention-weighted values
            + 2 * n * d * d            // output projection
            + 2 * 2 * n * d * hidden;  // MLP, two layers
        var head = 2 * d * config.Classes;
        return patchEmbedding + config.Depth * perBlock + head;
    }

    /// <summary>Training FLOPs for one image: forward plus backward (≈ 2× forward).</summary>
    public static double TrainingPerImage(VisionTransformerConfig config) => 3 * ForwardPerImage(config);

    /// <summary>
    /// GPT forward FLOPs per token at full context: the blocks' matrix multiplies, attention over the whole context
    /// (the causal mask's skipped half is counted, as nanoGPT's MFU estimate does), and the tied output layer.
    /// </summary>
    public static double GptForwardPerToken(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double d = config.Width;
        double t = config.ContextLength;
        var hidden = Math.Round(d * config.MlpRatio);
        var perBlock =
            2 * d * 3 * d              // fused query/key/value projection
            + 2 * t * d                // scores against every position
            + 2 * t * d                // attention-weighted values
            + 2 * d * d                // output projection
            + 2 * 2 * d * hidden;      // MLP, two layers
        return config.Depth * perBlock + GptOutputLayerForwardPerToken(config);
    }

    /// <summary>
    /// Forward FLOPs per token of a GPT's output layer alone: logits = x·Eᵀ against the tied V×d token embedding,
    /// 2·d·V. (The softmax and cross-entropy over V add a few operations per logit, not counted.)
    /// </summary>
    public static double GptOutputLayerForwardPerToken(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return 2.0 * config.Width * config.VocabSize;
    }

    /// <summary>The output layer's share of a GPT's FLOPs (the same for forward and training, as both are 3× apart).</summary>
    public static double GptOutputLayerShare(GptConfig config) => GptOutputLayerForwardPerToken(config) / GptForwardPerToken(config);

    /// <summary>GPT training FLOPs per token: forward plus backward (≈ 2× forward).</summary>
    public static double GptTrainingPerToken(GptConfig config) => 3 * GptForwardPerToken(config);
}
