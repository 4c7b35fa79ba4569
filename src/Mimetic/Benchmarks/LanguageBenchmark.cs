using Mimetic.Init;
using Mimetic.Models;
using Mimetic.Training;
using static TorchSharp.torch;

namespace Mimetic.Benchmarks;

/// <summary>Settings of <see cref="LanguageBenchmark.Run"/>.</summary>
/// <param name="Model">GPT preset to time.</param>
/// <param name="BatchSize">Sequences per step (each of the preset's full context).</param>
/// <param name="VocabSize">Vocabulary size (65: Tiny Shakespeare by character).</param>
/// <param name="Steps">Timed steps (the median is reported).</param>
/// <param name="Warmup">Untimed steps first.</param>
/// <param name="Threads">libtorch threads; 0 keeps libtorch's default (one per core).</param>
/// <param name="MatmulSize">Size n of the n×n matmul that measures the ceiling.</param>
public sealed record LanguageBenchmarkOptions(string Model = "gpt-cpu", int BatchSize = 32, int VocabSize = 65, int Steps = 10, int Warmup = 3, int Threads = 0, int MatmulSize = 2048);

/// <summary>What <see cref="LanguageBenchmark.Run"/> measured; every rate is a median over timed repetitions.</summary>
/// <param name="Model">Preset name.</param>
/// <param name="BatchSize">Sequences per step.</param>
/// <param name="ContextLength">Tokens per sequence.</param>
/// <param name="VocabSize">Vocabulary size.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="TrainTokensPerSecond">Training throughput (forward, backward, clipping, AdamW step).</param>
/// <param name="EvalTokensPerSecond">Inference throughput without autograd.</param>
/// <param name="MatmulGflops">The machine's float32 matrix-multiply rate through libtorch.</param>
/// <param name="TrainGflopsPerToken">Model training FLOPs per token, from the config (<see cref="ModelFlops.GptTrainingPerToken"/>).</param>
/// <param name="TrainFractionOfCeiling">Achieved training GFLOP/s over the matmul rate.</param>
/// <param name="StepBreakdown">Median seconds of a training step's parts.</param>
/// <param name="Allocator">What <see cref="NativeAllocator.Tune"/> did in this process.</param>
public sealed record LanguageBenchmarkResult(
    string Model,
    int BatchSize,
    int ContextLength,
    int VocabSize,
    int Threads,
    double TrainTokensPerSecond,
    double EvalTokensPerSecond,
    double MatmulGflops,
    double TrainGflopsPerToken,
    double TrainFractionOfCeiling,
    StepBreakdown StepBreakdown,
    string Allocator);

/// <summary>Times GPT training and evaluation on random tokens of the preset's context, and the matmul ceiling, in one process.</summary>
public static class LanguageBenchmark
{
    /// <summary>Runs every measurement; the model is mimetic-initialized as in <c>lm-train --init mimetic</c> (init does not change speed).</summary>
    public static LanguageBenchmarkResult Run(LanguageBenchmarkOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        StepTimer.RequireCounts(options.BatchSize, options.Warmup, options.Steps);
        if (options.VocabSize < 2)
        {
            throw new ArgumentException($"The benchmark needs a vocabulary of at least 2 tokens, not {options.VocabSize}.");
        }

        if (options.Threads > 0)
        {
            set_num_threads(options.Threads);
        }

        log ??= _ => { };
        var config = GptPresets.Get(options.Model, options.VocabSize);
        manual_seed(0);
        using var model = ModelFactory.CreateGpt(config, WeightInit.Mimetic, 0);
        using var optimizer = OptimizerFactory.Create(model, 1e-3, 0.1);
        using var inputs = randint(0, config.VocabSize, [options.BatchSize, config.ContextLength]);
        using var targets = randint(0, config.VocabSize, [options.BatchSize, config.ContextLength]);
        Tensor Loss() => nn.functional.cross_entropy(model.call(inputs).flatten(0, 1), targets.flatten());
        var (trainSeconds, breakdown, evalSeconds, gflops) = StepTimer.Measure(
            model, Loss, () => model.call(inputs), optimizer, options.Warmup, options.Steps, options.MatmulSize, log);
        double tokens = (long)options.BatchSize * config.ContextLength;
        var trainRate = tokens / trainSeconds;
        var flopsPerToken = ModelFlops.GptTrainingPerToken(config);
        return new LanguageBenchmarkResult(
            options.Model, options.BatchSize, config.ContextLength, config.VocabSize, get_num_threads(), trainRate, tokens / evalSeconds, gflops,
            flopsPerToken / 1e9, trainRate * flopsPerToken / 1e9 / gflops, breakdown, NativeAllocator.State.ToString());
    }
}
