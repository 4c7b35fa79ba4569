using System.Diagnostics;
using Mimetic.Data;
using Mimetic.Init;
using Mimetic.Models;
using Mimetic.Training;
using static TorchSharp.torch;

namespace Mimetic.Benchmarks;

/// <summary>What <see cref="VisionBenchmark.Run"/> measured; every rate is a median over timed repetitions.</summary>
/// <param name="Model">Preset name.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="TrainImagesPerSecond">Training throughput (forward, backward, clipping, AdamW step).</param>
/// <param name="EvalImagesPerSecond">Inference throughput without autograd.</param>
/// <param name="MatmulGflops">The machine's float32 matrix-multiply rate through libtorch.</param>
/// <param name="TrainGflopsPerImage">Model training FLOPs per image, from the config.</param>
/// <param name="TrainFractionOfCeiling">Achieved training GFLOP/s over the matmul rate.</param>
/// <param name="DataPreparationFraction">Time to prepare a batch (augment, normalise, one thread) over a training step's time.</param>
/// <param name="MimeticInitSeconds">Seconds to apply mimetic init to a ViT-B-sized model (width 768, depth 12, 12 heads) with the default solver (<see cref="MimeticSolver.Auto"/>, float32 Gram eigendecompositions at this width).</param>
/// <param name="MimeticInitFloat64Seconds">The same with <see cref="MimeticSolver.Float64Svd"/>, the reference (NaN when skipped).</param>
/// <param name="Allocator">What <see cref="NativeAllocator.Tune"/> did in this process (Applied: glibc keeps freed buffers for reuse).</param>
/// <param name="StepBreakdown">Median seconds of one training step's parts: forward, backward, optimizer (clipping and AdamW).</param>
/// <param name="Replicas">Data-parallel replicas of the replicated step (<see cref="RunConfig.Replicas"/>); 0 when it was not timed.</param>
/// <param name="ReplicatedTrainImagesPerSecond">Training throughput with <paramref name="Replicas"/> replicas, one libtorch thread each (NaN when not timed).</param>
/// <param name="ReplicatedFractionOfCeiling">Its GFLOP/s over the matmul rate (NaN when not timed).</param>
public sealed record VisionBenchmarkResult(
    string Model,
    int BatchSize,
    int Threads,
    double TrainImagesPerSecond,
    double EvalImagesPerSecond,
    double MatmulGflops,
    double TrainGflopsPerImage,
    double TrainFractionOfCeiling,
    double DataPreparationFraction,
    double MimeticInitSeconds,
    double MimeticInitFloat64Seconds,
    StepBreakdown StepBreakdown,
    string Allocator,
    int Replicas,
    double ReplicatedTrainImagesPerSecond,
    double ReplicatedFractionOfCeiling);

/// <summary>Where a training step's time goes.</summary>
/// <param name="ForwardSeconds">Forward pass and loss, recording the graph.</param>
/// <param name="BackwardSeconds">Backward pass.</param>
/// <param name="OptimizerSeconds">Gradient clipping and the AdamW step.</param>
public sealed record StepBreakdown(double ForwardSeconds, double BackwardSeconds, double OptimizerSeconds);

/// <summary>Benchmark settings.</summary>
/// <param name="Model">Preset to time.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="Steps">Timed steps (the median is reported).</param>
/// <param name="Warmup">Untimed steps first.</param>
/// <param name="Threads">libtorch threads; 0 keeps libtorch's default (one per core).</param>
/// <param name="MatmulSize">Side of the square matrices for the ceiling.</param>
/// <param name="InitBenchmark">Whether to time mimetic init of a ViT-B-sized model.</param>
/// <param name="FusedAttention">Train with the fused C# attention kernel.</param>
/// <param name="Replicas">Also time the training step shared by this many data-parallel replicas (one libtorch thread each); 0 or 1: not.</param>
public sealed record VisionBenchmarkOptions(string Model = "vit-cpu", int BatchSize = 128, int Steps = 10, int Warmup = 3, int Threads = 0, int MatmulSize = 2048, bool InitBenchmark = true, bool FusedAttention = false, int Replicas = 0);

/// <summary>Times training, evaluation, the matmul ceiling, data preparation and mimetic init, in one process.</summary>
public static class VisionBenchmark
{
    /// <summary>Runs every measurement with synthetic images of the model's shape (data preparation uses a synthetic CIFAR-shaped dataset).</summary>
    public static VisionBenchmarkResult Run(VisionBenchmarkOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        StepTimer.RequireCounts(options.BatchSize, options.Warmup, options.Steps);

        if (options.Threads > 0)
        {
            set_num_threads(options.Threads);
        }

        log ??= _ => { };
        var config = VisionPresets.Get(options.Model) with { FusedAttention = options.FusedAttention };
        manual_seed(0);
        using var model = ModelFactory.CreateVision(config, WeightInit.Mimetic, 0);
        using var optimizer = OptimizerFactory.Create(model, 1e-3, 0.05);
        using var images = randn(options.BatchSize, config.Channels, config.ImageSize, config.ImageSize);
        using var labels = randint(0, config.Classes, options.BatchSize);
        Tensor Loss() => nn.functional.cross_entropy(model.call(images), labels, label_smoothing: 0.1);
        var (trainSeconds, breakdown, evalSeconds, gflops) = StepTimer.Measure(
            model, Loss, () => model.call(images), optimizer, options.Warmup, options.Steps, options.MatmulSize, log);
        var replicatedSeconds = double.NaN;
        if (options.Replicas > 1)
        {
            log($"timing training steps shared by {options.Replicas} replicas, one libtorch thread each");
            replicatedSeconds = ReplicatedStepSeconds(model, optimizer, images, labels, options);
        }

        log("timing data preparation");
        var prepareSeconds = DataPreparationSeconds(options.BatchSize);
        var (initSeconds, initFloat64Seconds) = (double.NaN, double.NaN);
        if (options.InitBenchmark)
        {
            log("timing mimetic init of a ViT-B-sized model (default solver, then the float64 SVD reference)");
            initSeconds = MimeticInitSeconds(MimeticSolver.Auto);
            initFloat64Seconds = MimeticInitSeconds(MimeticSolver.Float64Svd);
        }

        var trainRate = options.BatchSize / trainSeconds;
        var flopsPerImage = ModelFlops.TrainingPerImage(config);
        return new VisionBenchmarkResult(
            options.Model, options.BatchSize, get_num_threads(), trainRate, options.BatchSize / evalSeconds, gflops,
            flopsPerImage / 1e9, trainRate * flopsPerImage / 1e9 / gflops, prepareSeconds / trainSeconds, initSeconds, initFloat64Seconds, breakdown, NativeAllocator.State.ToString(),
            options.Replicas > 1 ? options.Replicas : 0, options.BatchSize / replicatedSeconds, options.BatchSize / replicatedSeconds * flopsPerImage / 1e9 / gflops);
    }

    /// <summary>Median seconds of a training step of <paramref name="model"/> shared by replicas (<see cref="DataParallelStep"/>), with one libtorch thread per replica.</summary>
    private static double ReplicatedStepSeconds(nn.Module<Tensor, Tensor> model, TorchSharp.Modules.AdamW optimizer, Tensor images, Tensor labels, VisionBenchmarkOptions options)
    {
        var threadsBefore = get_num_threads();
        set_num_threads(1);
        try
        {
            var config = ((VisionTransformer)model).Config;
            using var step = new DataParallelStep(model, [.. Enumerable.Range(1, options.Replicas - 1).Select(_ => ModelFactory.CreateVision(config, WeightInit.Default, 0))]);
            using var batch = new SyntheticBatch(images.alias(), labels.alias());
            return StepTimer.Median(options.Warmup, options.Steps, () =>
            {
                using var scope = NewDisposeScope();
                step.Take(model, optimizer, 1e-3, 1.0, batch);
            });
        }
        finally
        {
            set_num_threads(threadsBefore);
        }
    }


    /// <summary>Seconds the data layer takes to prepare one augmented training batch on its background thread.</summary>
    public static double DataPreparationSeconds(int batchSize, int batches = 16)
    {
        var count = batchSize * batches;
        var random = new Random(0);
        var pixels = new byte[count * DatasetInfo.Cifar10.PixelsPerImage];
        random.NextBytes(pixels);
        var dataset = new ImageDataset(DatasetInfo.Cifar10, pixels, Enumerable.Range(0, count).Select(i => i % 10).ToArray());
        using var loader = new BatchLoader(dataset, BatchLoaderOptions.Training(batchSize, 0) with { PrefetchBatches = batches });
        var clock = Stopwatch.StartNew();
        foreach (var _ in loader.EnumeratePrepared(0))
        {
        }

        return clock.Elapsed.TotalSeconds / batches;
    }

    /// <summary>Seconds to apply mimetic init to a width-768, depth-12, 12-head ViT (built beforehand, not timed).</summary>
    public static double MimeticInitSeconds(MimeticSolver solver)
    {
        var config = new VisionTransformerConfig(ImageSize: 224, PatchSize: 16, Width: 768, Depth: 12, Heads: 12, Classes: 1000);
        using var model = new VisionTransformer(config);
        var clock = Stopwatch.StartNew();
        MimeticInitializer.Apply(model, MimeticOptions.Vision with { Seed = 0, Solver = solver });
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Random images and labels as a training batch (label-smoothed cross-entropy), whose parts are views of its rows.</summary>
    private sealed class SyntheticBatch(Tensor images, Tensor labels) : ITrainingBatch
    {
        public long Samples => labels.shape[0];

        public Tensor Loss(nn.Module<Tensor, Tensor> model) => nn.functional.cross_entropy(model.call(images), labels, label_smoothing: 0.1);

        public long? Correct() => null;

        public ITrainingBatch Part(int index, int count)
        {
            var (start, length) = DataParallelStep.Rows(Samples, index, count);
            return new SyntheticBatch(images.narrow(0, start, length), labels.narrow(0, start, length));
        }

        public void Dispose()
        {
            images.Dispose();
            labels.Dispose();
        }
    }
}
