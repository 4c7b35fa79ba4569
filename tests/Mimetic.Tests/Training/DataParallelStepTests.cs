using Mimetic.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Tests.Training;

/// <summary>
/// Data parallelism within the process (<see cref="DataParallelStep"/>): replicas that share a batch take the step one
/// model takes on the whole batch (up to rounding), stay in step with it, stop on a diverged loss, and report a failing part.
/// </summary>
public sealed class DataParallelStepTests
{
    [Theory]
    [InlineData(7, 2)]
    [InlineData(7, 3)]
    [InlineData(128, 2)]
    public void PartsCoverTheBatchInOrderAsEvenlyAsTheyGo(long rows, int count)
    {
        var parts = Enumerable.Range(0, count).Select(i => DataParallelStep.Rows(rows, i, count)).ToList();
        Assert.Equal(0, parts[0].Start);
        for (var i = 1; i < count; i++)
        {
            Assert.Equal(parts[i - 1].Start + parts[i - 1].Length, parts[i].Start);
        }

        Assert.Equal(rows, parts.Sum(p => p.Length));
        Assert.True(parts.Max(p => p.Length) - parts.Min(p => p.Length) <= 1);
    }

    [Theory]
    [InlineData(2, 7)]
    [InlineData(3, 7)]
    [InlineData(3, 2)]   // fewer examples than replicas: one stays idle, and still takes the new weights
    public void ReplicasTakeTheStepOfOneModelOnTheWholeBatch(int replicas, int rows)
    {
        using var single = Model(seed: 3);
        using var shared = Model(seed: 3);
        using var singleOptimizer = OptimizerFactory.Create(single, 1e-2, 0.05);
        using var sharedOptimizer = OptimizerFactory.Create(shared, 1e-2, 0.05);
        using var step = new DataParallelStep(shared, [.. Enumerable.Range(1, replicas - 1).Select(i => Model(seed: 100 + i))]);
        var parameters = single.parameters().ToList();
        for (var s = 0; s < 4; s++)
        {
            using var batch = RegressionBatch.Random(rows, seed: s);
            var expected = OptimizerStep.Take(singleOptimizer, parameters, 1e-2, 0.5, () => batch.Loss(single));
            var (loss, correct) = step.Take(shared, sharedOptimizer, 1e-2, 0.5, batch);
            Assert.Equal(expected, loss, 5);
            Assert.Equal(batch.Samples, correct);   // the parts' counts add up
        }

        foreach (var (a, b) in single.parameters().Zip(shared.parameters()))
        {
            Assert.True(a.allclose(b, rtol: 0, atol: 1e-6), "the replicated step left other weights than one model's");
        }
    }

    [Fact]
    public void StepsInsideTheCallersDisposeScopeLeaveOtherThreadsScopesAlone()
    {
        // The loop takes every step inside a dispose scope; a part made on one thread and disposed on another corrupted
        // it (TorchSharp's scopes are per thread), so parts are made by the thread that uses them.
        using var model = Model(seed: 8);
        using var optimizer = OptimizerFactory.Create(model, 1e-3, 0);
        using var step = new DataParallelStep(model, [Model(seed: 9), Model(seed: 10)]);
        var before = RegressionBatch.CrossThreadDisposals;
        for (var s = 0; s < 50; s++)
        {
            using var scope = NewDisposeScope();
            using var batch = RegressionBatch.Random(rows: 9, seed: s);
            Assert.True(float.IsFinite(step.Take(model, optimizer, 1e-3, 1, batch).Loss));
        }

        Assert.Equal(before, RegressionBatch.CrossThreadDisposals);
    }

    [Fact]
    public void ADivergedLossChangesNothingAndTheNextStepStillRuns()
    {
        using var model = Model(seed: 4);
        using var optimizer = OptimizerFactory.Create(model, 1e-2, 0);
        using var step = new DataParallelStep(model, [Model(seed: 5)]);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using (var exploding = RegressionBatch.Random(rows: 6, seed: 1, scale: 1e6f))
        {
            var (loss, _) = step.Take(model, optimizer, 1e-2, 1, exploding);
            Assert.True(OptimizerStep.IsDiverged(loss));
        }

        Assert.All(model.parameters().Zip(before), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
        using var fine = RegressionBatch.Random(rows: 6, seed: 2);
        Assert.False(OptimizerStep.IsDiverged(step.Take(model, optimizer, 1e-2, 1, fine).Loss));
        Assert.Contains(model.parameters().Zip(before), pair => !pair.First.equal(pair.Second).all().item<bool>());
    }

    [Fact]
    public void APartThatFailsOnAReplicaIsReportedAndDoesNotHangTheNextStep()
    {
        using var model = Model(seed: 6);
        using var optimizer = OptimizerFactory.Create(model, 1e-2, 0);
        using var step = new DataParallelStep(model, [Model(seed: 7)]);
        using (var failing = RegressionBatch.Random(rows: 6, seed: 3, failPart: 1))
        {
            var error = Assert.Throws<InvalidOperationException>(() => step.Take(model, optimizer, 1e-2, 1, failing));
            Assert.Contains("part 1 failed on purpose", error.Message, StringComparison.Ordinal);
        }

        using var fine = RegressionBatch.Random(rows: 6, seed: 4);
        Assert.True(float.IsFinite(step.Take(model, optimizer, 1e-2, 1, fine).Loss));
    }

    private static Sequential Model(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(("0", nn.Linear(5, 16)), ("1", nn.GELU()), ("2", nn.Linear(16, 3)));
    }

    /// <summary>Mean squared error of a model on rows of inputs and targets; each part is a view of some of its rows.</summary>
    private sealed class RegressionBatch(Tensor inputs, Tensor targets, int failPart, int index) : ITrainingBatch
    {
        private static int crossThreadDisposals;
        private readonly int createdOn = Environment.CurrentManagedThreadId;

        /// <summary>Parts disposed on another thread than the one that made them.</summary>
        public static int CrossThreadDisposals => crossThreadDisposals;

        public long Samples => inputs.shape[0];

        public static RegressionBatch Random(int rows, int seed, float scale = 1, int failPart = -2)
        {
            using var generator = new Generator((ulong)seed);
            return new RegressionBatch(randn([rows, 5], generator: generator) * scale, randn([rows, 3], generator: generator) * scale, failPart, -1);
        }

        public Tensor Loss(nn.Module<Tensor, Tensor> model)
        {
            if (index == failPart)
            {
                throw new InvalidDataException($"part {index} failed on purpose");
            }

            return nn.functional.mse_loss(model.call(inputs), targets);
        }

        public long? Correct() => Samples;

        public ITrainingBatch Part(int part, int count)
        {
            var (start, length) = DataParallelStep.Rows(Samples, part, count);
            return new RegressionBatch(inputs.narrow(0, start, length), targets.narrow(0, start, length), failPart, part);
        }

        public void Dispose()
        {
            if (Environment.CurrentManagedThreadId != createdOn)
            {
                Interlocked.Increment(ref crossThreadDisposals);
            }

            inputs.Dispose();
            targets.Dispose();
        }
    }
}
