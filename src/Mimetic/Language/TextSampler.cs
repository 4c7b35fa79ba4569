using Mimetic.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Language;

/// <summary>How to draw each next token.</summary>
/// <param name="Tokens">Tokens to generate.</param>
/// <param name="Temperature">Divides the logits; 0 picks the most likely token (greedy).</param>
/// <param name="TopK">Sample only among the k most likely tokens; null for all.</param>
/// <param name="Seed">Seed of the draws.</param>
public sealed record SamplingOptions(int Tokens = 500, double Temperature = 0.8, int? TopK = null, long Seed = 0)
{
    /// <summary>The most tokens one call generates (a few minutes of a CPU GPT; the sequence stays small in memory).</summary>
    public const int MaxTokens = 100_000;

    /// <summary>The smallest non-zero temperature: below it the scaled scores overflow, and it is greedy in all but name.</summary>
    public const double MinTemperature = 1e-3;

    /// <summary>The largest temperature: above it every token is equally likely to the last digit.</summary>
    public const double MaxTemperature = 1e6;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work, naming the option and its bounds.</summary>
    public void Validate()
    {
        if (Tokens is < 1 or > MaxTokens)
        {
            throw new ArgumentException($"--tokens must be between 1 and {MaxTokens:N0}, not {Tokens:N0}.");
        }

        if (!(Temperature == 0 || Temperature is >= MinTemperature and <= MaxTemperature))
        {
            throw new ArgumentException($"--temperature must be 0 (greedy) or between {MinTemperature} and {MaxTemperature:0e0}, not {Temperature}.");
        }

        if (TopK is < 1)
        {
            throw new ArgumentException($"--top-k must be at least 1, not {TopK}.");
        }
    }
}

/// <summary>
/// Autoregressive generation from a GPT: each step reads the last context-length tokens. The model runs where its parameters are;
/// each step's logits come back to the CPU, where the seeded generator draws the token (the same draws on every device).
/// </summary>
public static class TextSampler
{
    /// <summary>Continues <paramref name="prompt"/> by <see cref="SamplingOptions.Tokens"/> tokens; returns only the new ones.</summary>
    /// <exception cref="ArgumentException">An empty prompt or bad options.</exception>
    /// <exception cref="InvalidDataException">The model's scores are not finite (diverged or damaged weights).</exception>
    public static int[] Generate(Gpt model, IReadOnlyList<int> prompt, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt must hold at least one token.");
        }

        model.eval();
        using var inference = inference_mode();
        using var generator = new Generator((ulong)options.Seed);
        var sequence = prompt.ToList();
        var context = model.Config.ContextLength;
        var device = model.parameters().First().device;
        var onCpu = device.type == DeviceType.CPU;
        for (var i = 0; i < options.Tokens; i++)
        {
            using var scope = NewDisposeScope();
            var window = sequence.Skip(Math.Max(0, sequence.Count - context)).Select(t => (long)t).ToArray();
            var input = tensor(window, [1, window.Length]);
            var logits = model.call(onCpu ? input : input.to(device))[0, -1];
            logits = (onCpu ? logits : logits.cpu()).to(ScalarType.Float64);
            sequence.Add((int)Choose(logits, options, generator));
        }

        return [.. sequence.Skip(prompt.Count)];
    }

    private static long Choose(Tensor logits, SamplingOptions options, Generator generator)
    {
        if (!logits.isfinite().all().item<bool>())
        {
            throw new InvalidDataException("the model's next-token scores are not finite (NaN or infinity): its weights have diverged or are damaged");
        }

        if (options.Temperature == 0)
        {
            return logits.argmax().item<long>();
        }

        var scaled = logits / options.Temperature;
        if (options.TopK is { } k && k < scaled.shape[0])
        {
            var threshold = scaled.topk(k).values[-1];
            scaled = scaled.masked_fill(scaled.lt(threshold), double.NegativeInfinity);
        }

        return multinomial(scaled.softmax(0), 1, generator: generator).item<long>();
    }
}
