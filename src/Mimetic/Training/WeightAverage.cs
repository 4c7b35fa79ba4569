using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>
/// An exponential moving average of a model's weights (Polyak averaging, as timm's <c>ModelEmaV3</c> with warm-up):
/// after step t, every parameter becomes <c>avg ← d·avg + (1 − d)·w</c> with <c>d = min(decay, (1 + t) / (10 + t))</c>,
/// so the average follows the weights closely early on; buffers are copied. It lives in a model of the same shape,
/// which is what a round evaluates and saves.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly double decay;
    private readonly List<(Tensor Average, Tensor Weight)> parameters;
    private readonly List<(Tensor Average, Tensor Weight)> buffers;

    /// <summary>Starts the average of <paramref name="model"/> in <paramref name="average"/> (a model of the same shape) at the model's weights.</summary>
    public WeightAverage(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> average, double decay)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = average ?? throw new ArgumentNullException(nameof(average));
        this.decay = decay;
        parameters = Pair(average.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        buffers = Pair(average.named_buffers(), model.named_buffers());
        foreach (var p in average.parameters())
        {
            p.requires_grad = false;
        }

        using var noGrad = no_grad();
        foreach (var (avg, weight) in parameters.Concat(buffers))
        {
            avg.copy_(weight);
        }
    }

    /// <summary>The model that holds the average.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The decay used after step <paramref name="step"/> (0-based): the warm-up's, then the configured one.</summary>
    public double DecayAt(long step) => Math.Min(decay, (1.0 + step) / (10.0 + step));

    /// <summary>Folds the weights after step <paramref name="step"/> (0-based) into the average.</summary>
    public void Update(long step)
    {
        var d = DecayAt(step);
        using var noGrad = no_grad();
        foreach (var (avg, weight) in parameters)
        {
            avg.mul_(d).add_(weight, alpha: 1 - d);
        }

        foreach (var (avg, weight) in buffers)
        {
            avg.copy_(weight);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private static List<(Tensor, Tensor)> Pair(IEnumerable<(string Name, Tensor Tensor)> average, IEnumerable<(string Name, Tensor Tensor)> model)
    {
        var byName = model.ToDictionary(p => p.Name, p => p.Tensor);
        return [.. average.Select(a => (a.Tensor, byName[a.Name]))];
    }
}
