using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>
/// Evaluation shared by copies of a model (with <see cref="RunConfig.Replicas"/>): the items (batches) go in waves of as
/// many as there are models, item i of a wave to model i on its own thread, and the results come back in the items'
/// order, so sums over them are those of one model in turn. With one model the items are evaluated on the calling
/// thread, one after another, exactly as without this class.
/// </summary>
public static class ParallelEvaluation
{
    /// <summary>
    /// <paramref name="work"/> of each item on one of <paramref name="models"/> (the model, then copies with its weights),
    /// results in item order. Each call of <paramref name="work"/> owns its item (disposes it) and makes its tensors itself.
    /// </summary>
    public static IEnumerable<TResult> Map<TItem, TResult>(IEnumerable<TItem> items, IReadOnlyList<nn.Module<Tensor, Tensor>> models,
        Func<nn.Module<Tensor, Tensor>, TItem, TResult> work)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfZero(models.Count);
        var wave = new List<TItem>(models.Count);
        foreach (var item in items)
        {
            wave.Add(item);
            if (wave.Count == models.Count)
            {
                foreach (var result in Run(wave, models, work))
                {
                    yield return result;
                }

                wave.Clear();
            }
        }

        foreach (var result in Run(wave, models, work))
        {
            yield return result;
        }
    }

    private static TResult[] Run<TItem, TResult>(List<TItem> wave, IReadOnlyList<nn.Module<Tensor, Tensor>> models, Func<nn.Module<Tensor, Tensor>, TItem, TResult> work)
    {
        var results = new TResult[wave.Count];
        var others = Enumerable.Range(1, Math.Max(0, wave.Count - 1))
            .Select(i => Task.Run(() => results[i] = work(models[i], wave[i])))
            .ToArray();
        try
        {
            if (wave.Count > 0)
            {
                results[0] = work(models[0], wave[0]);
            }
        }
        finally
        {
            try
            {
                Task.WaitAll(others);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }

        return results;
    }

    /// <summary>Copies <paramref name="source"/>'s parameters and buffers into <paramref name="target"/> (a model of the same shape), without gradients.</summary>
    public static void CopyWeights(nn.Module<Tensor, Tensor> source, nn.Module<Tensor, Tensor> target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var parameters = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var buffers = source.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in target.named_parameters())
        {
            parameter.copy_(parameters[name]);
        }

        foreach (var (name, buffer) in target.named_buffers())
        {
            buffer.copy_(buffers[name]);
        }
    }
}
