using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Benchmarks;

/// <summary>What <see cref="StepTimer.Measure"/> timed, medians in seconds.</summary>
internal sealed record ModelTimings(double TrainSeconds, StepBreakdown Breakdown, double EvalSeconds, double MatmulGflops);

/// <summary>Median timings of training steps, shared by the vision and language benchmarks.</summary>
internal static class StepTimer
{
    /// <summary>Throws <see cref="ArgumentException"/> unless there is a positive batch, a non-negative warm-up and at least one timed step.</summary>
    public static void RequireCounts(int batchSize, int warmup, int steps)
    {
        if (batchSize < 1 || warmup < 0 || steps < 1)
        {
            throw new ArgumentException($"Timing needs a positive batch size, a non-negative warm-up and at least one timed step (got {batchSize}, {warmup}, {steps}).");
        }
    }

    /// <summary>
    /// Times, in this order: full training steps, their parts, evaluation of <paramref name="evaluate"/> in inference mode
    /// (the model is switched to eval mode first), and the n×n matmul ceiling.
    /// </summary>
    public static ModelTimings Measure(nn.Module model, Func<Tensor> loss, Action evaluate, AdamW optimizer, int warmup, int steps, int matmulSize, Action<string> log)
    {
        var parameters = model.parameters().ToList();
        log("timing training steps");
        var train = TrainingStep(loss, optimizer, parameters, warmup, steps);
        log("timing the parts of a training step");
        var breakdown = Parts(loss, optimizer, parameters, warmup, steps);

        log("timing evaluation");
        model.eval();
        double eval;
        using (inference_mode())
        {
            eval = Median(warmup, steps, () =>
            {
                using var scope = NewDisposeScope();
                evaluate();
            });
        }

        log("timing the matmul ceiling");
        return new ModelTimings(train, breakdown, eval, MatmulGflops(matmulSize, warmup, steps));
    }

    /// <summary>GFLOP/s of an n×n by n×n float32 matmul, median of the timed repetitions.</summary>
    public static double MatmulGflops(int size, int warmup, int steps)
    {
        using var a = randn(size, size);
        using var b = randn(size, size);
        var seconds = Median(warmup, steps, () =>
        {
            using var c = a.matmul(b);
        });
        return 2.0 * size * size * size / seconds / 1e9;
    }

    /// <summary>Median seconds of one full training step: zero_grad, loss, backward, clipping at 1.0, AdamW step.</summary>
    public static double TrainingStep(Func<Tensor> loss, AdamW optimizer, List<Parameter> parameters, int warmup, int steps) =>
        Median(warmup, steps, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            loss().backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
        });

    /// <summary>Median forward (with loss), backward and optimizer seconds of a training step, timed separately.</summary>
    public static StepBreakdown Parts(Func<Tensor> loss, AdamW optimizer, List<Parameter> parameters, int warmup, int steps)
    {
        var (forward, backward, update) = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < warmup + steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var clock = Stopwatch.StartNew();
            var value = loss();
            var forwardSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            value.backward();
            var backwardSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
            if (i >= warmup)
            {
                forward.Add(forwardSeconds);
                backward.Add(backwardSeconds);
                update.Add(clock.Elapsed.TotalSeconds);
            }
        }

        return new StepBreakdown(Median(forward), Median(backward), Median(update));
    }

    /// <summary>Runs <paramref name="step"/> <paramref name="warmup"/> times untimed, then returns the median of <paramref name="steps"/> timed runs.</summary>
    public static double Median(int warmup, int steps, Action step)
    {
        for (var i = 0; i < warmup; i++)
        {
            step();
        }

        var times = new List<double>(steps);
        for (var i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            step();
            times.Add(clock.Elapsed.TotalSeconds);
        }

        return Median(times);
    }

    /// <summary>The median of a non-empty list (sorted in place).</summary>
    public static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
