using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>
/// Data parallelism on the CPU within one process (<see cref="RunConfig.Replicas"/>): the model and R − 1 replicas of
/// it, each on its own thread running libtorch single-threaded, share every batch (<see cref="ITrainingBatch.Part"/>).
/// Each computes its part's loss and gradients, weighted by the part's share of the examples; the replicas' gradients
/// are added to the model's in replica order, so they sum to the whole batch's gradient; the model is clipped and steps
/// as with one model (<see cref="OptimizerStep.Take"/>), and the replicas copy its weights. It pays on small models,
/// whose operations are too short for libtorch's own threads to share (on two cores a 2-thread vit-cpu step is about
/// 1.2× a 1-thread one). Deterministic: each replica computes single-threaded and the sum's order is fixed; the result
/// differs from one model's only in rounding, as a different thread count does.
/// </summary>
internal sealed class DataParallelStep : IDisposable
{
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly ReplicaWorker[] workers;

    /// <summary>Shares the steps of <paramref name="model"/> with <paramref name="replicas"/> (models of the same shape, which take its weights now).</summary>
    public DataParallelStep(nn.Module<Tensor, Tensor> model, IReadOnlyList<nn.Module<Tensor, Tensor>> replicas)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(replicas);
        parameters = [.. model.parameters()];
        workers = [.. replicas.Select((replica, i) => new ReplicaWorker(model, replica, i + 1))];
        foreach (var worker in workers)
        {
            worker.CopyWeights();
        }
    }

    /// <summary>Models that share a batch: the model and its replicas.</summary>
    public int Count => workers.Length + 1;

    /// <summary>The rows [start, start + length) of part <paramref name="index"/> when <paramref name="rows"/> examples are shared by <paramref name="count"/>, in order, as evenly as they go.</summary>
    public static (long Start, long Length) Rows(long rows, int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        var start = rows * index / count;
        return (start, (rows * (index + 1) / count) - start);
    }

    /// <summary>
    /// One optimizer step of <paramref name="model"/> on <paramref name="batch"/>, shared with the replicas: sets the learning
    /// rate, and — unless the loss diverged — backpropagates every part, sums the gradients, clips, steps and copies the
    /// weights to the replicas. Returns the batch's loss and correct predictions (null when the task counts none).
    /// </summary>
    public (float Loss, long? Correct) Take(nn.Module<Tensor, Tensor> model, AdamW optimizer, double learningRate, double gradientClip, ITrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }

        optimizer.zero_grad();
        var total = (double)batch.Samples;
        var parts = (int)Math.Clamp(batch.Samples, 1, Count);   // no empty part: a batch smaller than the replicas leaves some idle
        var active = workers[..(parts - 1)];
        using var first = batch.Part(0, parts);
        for (var i = 0; i < active.Length; i++)
        {
            active[i].Forward(batch, i + 1, parts, total);
        }

        Tensor? mainLoss = null;
        Exception? failure = null;
        try
        {
            mainLoss = first.Loss(model) * (first.Samples / total);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e;
        }

        var loss = mainLoss is null ? float.NaN : mainLoss.item<float>();
        foreach (var worker in active)
        {
            var (part, error) = worker.WaitForward();
            loss += part;
            failure ??= error;
        }

        var proceed = failure is null && !OptimizerStep.IsDiverged(loss);
        foreach (var worker in active)
        {
            worker.StartBackward(proceed);
        }

        if (proceed)
        {
            mainLoss!.backward();
        }

        long? correct = proceed ? first.Correct() : null;
        foreach (var worker in active)
        {
            var (partCorrect, error) = worker.WaitBackward();
            failure ??= error;
            correct = correct is { } c && partCorrect is { } p ? c + p : null;
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"a model replica failed: {failure.Message}", failure);
        }

        if (!proceed)
        {
            return (loss, null);
        }

        using (no_grad())
        {
            foreach (var worker in active)
            {
                worker.AddGradientsTo(parameters);
            }
        }

        if (gradientClip > 0)
        {
            nn.utils.clip_grad_norm_(parameters, gradientClip);
        }

        optimizer.step();
        foreach (var worker in workers)
        {
            worker.CopyWeights();
        }

        return (loss, correct);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
    }

    /// <summary>One replica and the thread it computes on; each step is a forward phase, then a backward (or discard) phase.</summary>
    private sealed class ReplicaWorker : IDisposable
    {
        private readonly List<(Tensor Replica, Tensor Model)> weights;
        private readonly List<Parameter> replicaParameters;
        private readonly nn.Module<Tensor, Tensor> replica;
        private readonly Thread thread;
        private readonly SemaphoreSlim go = new(0);
        private readonly SemaphoreSlim done = new(0);
        private ITrainingBatch? batch;
        private int partIndex;
        private int partCount;
        private double total;
        private bool backward;
        private bool stopping;
        private float loss;
        private long? correct;
        private Exception? error;

        public ReplicaWorker(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> replica, int index)
        {
            this.replica = replica;
            var byName = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            weights = [.. replica.named_parameters().Select(p => ((Tensor)p.parameter, byName[p.name])),
                .. replica.named_buffers().Select(b => (b.buffer, buffers[b.name]))];
            replicaParameters = [.. replica.parameters()];
            replica.train(model.training);
            thread = new Thread(Work) { IsBackground = true, Name = $"mimetic replica {index}" };
            thread.Start();
        }

        /// <summary>
        /// Starts the forward pass of part <paramref name="index"/> of <paramref name="count"/> of <paramref name="whole"/> on the
        /// replica. The worker takes the part itself, so that its tensors belong to its own thread's dispose scope (TorchSharp's
        /// scopes are per thread and not safe to share).
        /// </summary>
        public void Forward(ITrainingBatch whole, int index, int count, double examples)
        {
            (batch, partIndex, partCount, total, error, correct) = (whole, index, count, examples, null, null);
            go.Release();
        }

        /// <summary>Waits for the forward pass: the part's weighted loss, or what went wrong.</summary>
        public (float Loss, Exception? Error) WaitForward()
        {
            done.Wait();
            return (loss, error);
        }

        /// <summary>Starts backpropagating the part (or, when <paramref name="backpropagate"/> is false, only releasing it).</summary>
        public void StartBackward(bool backpropagate)
        {
            backward = backpropagate;
            go.Release();
        }

        /// <summary>Waits for the backward pass: the part's correct predictions, or what went wrong.</summary>
        public (long? Correct, Exception? Error) WaitBackward()
        {
            done.Wait();
            return (correct, error);
        }

        /// <summary>Adds the replica's gradients to <paramref name="modelParameters"/>' (in the same order).</summary>
        public void AddGradientsTo(IReadOnlyList<Parameter> modelParameters)
        {
            for (var i = 0; i < modelParameters.Count; i++)
            {
                if (replicaParameters[i].grad is { } gradient)
                {
                    modelParameters[i].grad?.add_(gradient);
                }
            }
        }

        /// <summary>The replica takes the model's weights.</summary>
        public void CopyWeights()
        {
            using var noGrad = no_grad();
            foreach (var (copy, source) in weights)
            {
                copy.copy_(source);
            }
        }

        public void Dispose()
        {
            stopping = true;
            go.Release();
            thread.Join();
            go.Dispose();
            done.Dispose();
            replica.Dispose();
        }

        private void Work()
        {
            set_num_threads(1);
            while (true)
            {
                go.Wait();
                if (stopping)
                {
                    return;
                }

                using var scope = NewDisposeScope();
                Tensor? weighted = null;
                ITrainingBatch? part = null;
                try
                {
                    replica.zero_grad();
                    part = batch!.Part(partIndex, partCount);
                    weighted = part.Loss(replica) * (part.Samples / total);
                    loss = weighted.item<float>();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    (loss, error) = (float.NaN, e);
                }

                done.Release();
                go.Wait();
                try
                {
                    if (backward && weighted is not null)
                    {
                        weighted.backward();
                        correct = part!.Correct();
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    error = e;
                }
                finally
                {
                    part?.Dispose();
                    batch = null;
                }

                done.Release();
            }
        }
    }
}
