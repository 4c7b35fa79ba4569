using Mimetic.Data;
using static TorchSharp.torch;

namespace Mimetic.Language;

/// <summary>A batch of token windows: inputs [B, T] and next-token targets [B, T], both int64. The consumer disposes it.</summary>
/// <param name="Inputs">Tokens t … t+T−1 of each window.</param>
/// <param name="Targets">Tokens t+1 … t+T of each window.</param>
public sealed record TokenBatch(Tensor Inputs, Tensor Targets) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>Contiguous windows of a token sequence, as training and evaluation batches.</summary>
public static class TokenWindows
{
    /// <summary>
    /// The training batch of step <paramref name="step"/>: <paramref name="batchSize"/> windows of
    /// <paramref name="length"/> tokens at uniformly random starts, drawn from a generator seeded by
    /// (<paramref name="seed"/>, <paramref name="step"/>) alone, so a resumed run sees the same batches.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than <paramref name="length"/> + 1 tokens.</exception>
    public static TokenBatch Random(int[] tokens, int batchSize, int length, long seed, long step)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        RequireWindow(tokens.Length, length, "training");
        var random = new SplitMix64(SplitMix64.Combine(seed, step, 0x1A06));
        var starts = new int[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            starts[i] = random.NextInt(tokens.Length - length);
        }

        return Batch(tokens, starts, length);
    }

    /// <summary>
    /// Starts of the evaluation windows: non-overlapping windows of <paramref name="length"/> tokens (each
    /// followed by its target), spread evenly over the sequence and at most <paramref name="maxWindows"/> of them.
    /// </summary>
    public static IReadOnlyList<int> EvaluationStarts(int tokenCount, int length, int? maxWindows)
    {
        RequireWindow(tokenCount, length, "validation");
        var count = (tokenCount - 1) / length;

        var chosen = maxWindows is { } most && most < count
            ? Enumerable.Range(0, most).Select(i => (int)((long)i * count / most))
            : Enumerable.Range(0, count);
        return chosen.Select(i => i * length).ToList();
    }

    /// <summary>The windows starting at <paramref name="starts"/>.</summary>
    public static TokenBatch Batch(int[] tokens, IReadOnlyList<int> starts, int length)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(starts);
        var inputs = new long[starts.Count * length];
        var targets = new long[starts.Count * length];
        for (var b = 0; b < starts.Count; b++)
        {
            for (var t = 0; t < length; t++)
            {
                inputs[b * length + t] = tokens[starts[b] + t];
                targets[b * length + t] = tokens[starts[b] + t + 1];
            }
        }

        return new TokenBatch(tensor(inputs, [starts.Count, length]), tensor(targets, [starts.Count, length]));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="tokenCount"/> tokens hold one window of <paramref name="length"/> and its targets.</summary>
    /// <param name="tokenCount">Tokens in the part.</param>
    /// <param name="length">Window length (the model's context).</param>
    /// <param name="part">The part's name, for the message.</param>
    public static void RequireWindow(int tokenCount, int length, string part)
    {
        if (length < 1 || tokenCount < length + 1)
        {
            throw new ArgumentException($"The {part} part of the text has {tokenCount} tokens, fewer than one window of {length + 1}; use a longer text, another split or a model with a shorter context.");
        }
    }
}
