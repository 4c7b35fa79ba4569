using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Language;

/// <summary>How to draw each next token.</summary>
/// <param name="Tokens">Tokens to generate.</param>
/// <param name="Temperature">Divides the logits; 0 picks the most likely token (greedy).</param>
/// <param name="TopK">Sample only among the k most likely tokens; null for all.</param>
/// <param name="Seed">Seed of the draws.</param>
public sealed record SamplingOptions(int Tokens = 500, double Temperature = 0.8, int? TopK = null, long Seed = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> for impossible settings.</summary>
    public void Validate()
    {
        if (Tokens < 1 || !(Temperature >= 0) || !double.IsFinite(Temperature) || TopK is < 1)
        {
            throw new ArgumentException($"Sampling needs at least 1 token (not {Tokens}), a temperature ≥ 0 (not {Temperature}) and a top-k ≥ 1 (not {TopK}).");
        }
    }
}

/// <summary>Autoregressive generation from a GPT: each step reads the last context-length tokens.</summary>
public static class TextSampler
{
    /// <summary>Continues <paramref name="prompt"/> by <see cref="SamplingOptions.Tokens"/> tokens; returns only the new ones.</summary>
    /// <exception cref="ArgumentException">An empty prompt or bad options.</exception>
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
        for (var i = 0; i < options.Tokens; i++)
        {
            using var scope = NewDisposeScope();
            var window = sequence.Skip(Math.Max(0, sequence.Count - context)).Select(t => (long)t).ToArray();
            var logits = model.call(tensor(window, [1, window.Length]))[0, -1].to(ScalarType.Float64);
            sequence.Add((int)Choose(logits, options, generator));
        }

        return [.. sequence.Skip(prompt.Count)];
    }

    private static long Choose(Tensor logits, SamplingOptions options, Generator generator)
    {
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
