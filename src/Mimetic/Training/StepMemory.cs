using System.Globalization;
using Mimetic.Models;

namespace Mimetic.Training;

/// <summary>
/// A lower bound on the memory one training step needs, checked before a run starts (and before its folder exists):
/// a batch whose activations alone exceed the machine's memory is refused with its largest possible size, instead of
/// failing deep inside libtorch (or overflowing a tensor size) after the run has begun.
/// </summary>
/// <remarks>
/// The bound counts only what autograd must keep per token and block — the residual stream, the normalised input,
/// q, k, v, the attention output, and the MLP's hidden layer before and after its activation — plus the logits,
/// in float32. Real steps need more, so a batch refused here could never have run.
/// </remarks>
public static class StepMemory
{
    /// <summary>The memory this process may use: physical memory or the container's limit, whichever is smaller.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Bytes of activations one image needs in a training step of a Vision Transformer, at least.</summary>
    public static long PerImageBytes(VisionTransformerConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PerSequenceBytes(model.Tokens, model.Width, model.Depth, model.MlpRatio, outputsPerToken: 0) + 4L * model.Classes;
    }

    /// <summary>Bytes of activations one context window needs in a training step of a GPT, at least.</summary>
    public static long PerWindowBytes(GptConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PerSequenceBytes(model.ContextLength, model.Width, model.Depth, model.MlpRatio, outputsPerToken: model.VocabSize);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <c>--batch-size</c> when <paramref name="batchSize"/> samples of
    /// <paramref name="perSampleBytes"/> cannot fit in <paramref name="availableBytes"/>, or when the batch's tokens
    /// overflow a tensor dimension.
    /// </summary>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="tokensPerSample">Tokens per sample (image patches or context length).</param>
    /// <param name="perSampleBytes">From <see cref="PerImageBytes"/> or <see cref="PerWindowBytes"/>.</param>
    /// <param name="model">The model's name, for the message.</param>
    /// <param name="availableBytes">The memory to fit in; null for <see cref="AvailableBytes"/>.</param>
    public static void RequireBatchFits(int batchSize, int tokensPerSample, long perSampleBytes, string model, long? availableBytes = null)
    {
        var available = availableBytes ?? AvailableBytes;
        var largest = Math.Min(available / Math.Max(1, perSampleBytes), int.MaxValue / Math.Max(1, tokensPerSample));
        if (batchSize > largest)
        {
            var needed = (double)batchSize * perSampleBytes;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--batch-size {batchSize:N0} cannot fit in memory: one training step of {model} needs at least {Bytes(needed)} for activations " +
                $"and this machine has {Bytes(available)}; use a batch size of at most {largest:N0}."));
        }
    }

    private static long PerSequenceBytes(int tokens, int width, int depth, double mlpRatio, int outputsPerToken)
    {
        var perTokenAndBlock = width * (6 + 2 * mlpRatio);
        return (long)Math.Min(long.MaxValue / 2, 4.0 * tokens * (depth * perTokenAndBlock + outputsPerToken));
    }

    private static string Bytes(double bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes:0.#} {units[unit]}");
    }
}
