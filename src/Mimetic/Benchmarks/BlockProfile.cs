using System.Diagnostics;
using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Benchmarks;

/// <summary>Forward and backward time of one operation of a Transformer block, at a model's training shapes.</summary>
/// <param name="Name">The operation.</param>
/// <param name="ForwardSeconds">Median forward time.</param>
/// <param name="BackwardSeconds">Median backward time (gradients for the input and any weights).</param>
/// <param name="ForwardFlops">Forward FLOPs as <see cref="ModelFlops"/> counts them (0 for operations it leaves out).</param>
/// <param name="PerBlock">How many times a block runs it (layer norm: twice; 0 for an alternative the model does not use).</param>
public sealed record OperationTiming(string Name, double ForwardSeconds, double BackwardSeconds, double ForwardFlops, int PerBlock = 1)
{
    /// <summary>Forward plus backward seconds of all its uses in one block.</summary>
    public double BlockSeconds => PerBlock * (ForwardSeconds + BackwardSeconds);

    /// <summary>GFLOP/s over forward and backward, counting backward as 2× forward (NaN for uncounted operations).</summary>
    public double Gflops => ForwardFlops > 0 ? 3 * ForwardFlops / (ForwardSeconds + BackwardSeconds) / 1e9 : double.NaN;
}

/// <summary>
/// Times each operation of one pre-norm Transformer block in isolation at the shapes a training step uses
/// (batch × tokens rows), so the step's time can be split into matrix multiplies that run near the matmul
/// ceiling and the rest. Profile before you change.
/// </summary>
public static class BlockProfile
{
    /// <summary>
    /// Times layer norm, the fused q/k/v projection, attention, the output projection, the MLP's two layers and GELU, and, for
    /// comparison, attention computed explicitly instead of by <c>scaled_dot_product_attention</c>.
    /// </summary>
    public static IReadOnlyList<OperationTiming> Run(VisionTransformerConfig config, int batchSize, int warmup, int steps)
    {
        ArgumentNullException.ThrowIfNull(config);
        StepTimer.RequireCounts(batchSize, warmup, steps);

        long b = batchSize, n = config.Tokens, d = config.Width, h = config.Heads, k = config.Width / config.Heads;
        var hidden = (long)Math.Round(d * config.MlpRatio);
        var fused = config.FusedAttention;
        manual_seed(0);
        using var norm = nn.LayerNorm(d);
        using var qkv = nn.Linear(d, 3 * d);
        using var proj = nn.Linear(d, d);
        using var fc1 = nn.Linear(d, hidden);
        using var fc2 = nn.Linear(hidden, d);
        using var x = randn(b, n, d);
        using var packed = randn(b, n, 3 * d);
        using var wide = randn(b, n, hidden);
        double rows = b * n;
        nn.Module[] modules = [norm, qkv, proj, fc1, fc2];

        return
        [
            Time("layer norm", x, t => norm.call(t), 0, modules, warmup, steps) with { PerBlock = 2 },
            Time("q/k/v projection", x, t => qkv.call(t), 2 * rows * d * 3 * d, modules, warmup, steps),
            Time("attention (SDPA)", packed, t =>
            {
                var parts = t.view(b, n, 3, h, k).permute(2, 0, 3, 1, 4);
                return nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]).transpose(1, 2).reshape(b, n, d);
            }, 2 * 2 * b * n * n * d, modules, warmup, steps) with { PerBlock = fused ? 0 : 1 },
            Time(fused ? "attention (fused C# kernel)" : "alternative: fused C# kernel (--fused-attention)", packed, t =>
            {
                var parts = t.view(b, n, 3, h, k).permute(2, 0, 3, 1, 4);
                var attended = FusedAttention.Supports(parts[0]) ? FusedAttention.Apply(parts[0], parts[1], parts[2])
                    : nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
                return attended.transpose(1, 2).reshape(b, n, d);
            }, 2 * 2 * b * n * n * d, modules, warmup, steps) with { PerBlock = fused ? 1 : 0 },
            Time("output projection", x, t => proj.call(t), 2 * rows * d * d, modules, warmup, steps),
            Time("MLP fc1", x, t => fc1.call(t), 2 * rows * d * hidden, modules, warmup, steps),
            Time("GELU", wide, t => nn.functional.gelu(t), 0, modules, warmup, steps),
            Time("MLP fc2", wide, t => fc2.call(t), 2 * rows * hidden * d, modules, warmup, steps),
            Time("alternative: explicit softmax(QKᵀ/√k)·V", packed, t =>
            {
                var parts = t.view(b, n, 3, h, k).permute(2, 0, 3, 1, 4);
                var weights = parts[0].matmul(parts[1].mT).mul_(1 / Math.Sqrt(k)).softmax(-1);
                return weights.matmul(parts[2]).transpose(1, 2).reshape(b, n, d);
            }, 2 * 2 * b * n * n * d, modules, warmup, steps) with { PerBlock = 0 },
        ];
    }

    private static OperationTiming Time(string name, Tensor input, Func<Tensor, Tensor> operation, double flops, nn.Module[] modules, int warmup, int steps)
    {
        var (forward, backward) = (new List<double>(steps), new List<double>(steps));
        for (var i = 0; i < warmup + steps; i++)
        {
            using var scope = NewDisposeScope();
            foreach (var module in modules)
            {
                module.zero_grad();   // as a training step does, so backward writes fresh gradients
            }

            var leaf = input.detach().requires_grad_(true);
            var clock = Stopwatch.StartNew();
            var output = operation(leaf);
            var forwardSeconds = clock.Elapsed.TotalSeconds;
            var gradient = ones_like(output);
            clock.Restart();
            output.backward([gradient]);
            var backwardSeconds = clock.Elapsed.TotalSeconds;
            if (i >= warmup)
            {
                forward.Add(forwardSeconds);
                backward.Add(backwardSeconds);
            }
        }

        return new OperationTiming(name, StepTimer.Median(forward), StepTimer.Median(backward), flops);
    }
}
