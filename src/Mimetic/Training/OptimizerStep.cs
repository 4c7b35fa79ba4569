using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>One optimizer step, as every trainer takes it.</summary>
public static class OptimizerStep
{
    /// <summary>A loss above this (or NaN/∞) stops a run as diverged.</summary>
    public const double ExplodedLoss = 1e4;

    /// <summary>
    /// Sets every group's learning rate, computes the loss and — unless it diverged — backpropagates,
    /// clips the global gradient norm (when <paramref name="gradientClip"/> &gt; 0) and steps.
    /// </summary>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="parameters">The parameters whose gradient norm is clipped.</param>
    /// <param name="learningRate">This step's learning rate.</param>
    /// <param name="gradientClip">Maximum global gradient norm; 0 for none.</param>
    /// <param name="computeLoss">Runs the forward pass and returns the scalar loss.</param>
    /// <returns>The loss; when <see cref="IsDiverged"/> holds for it, nothing was updated.</returns>
    public static float Take(AdamW optimizer, IReadOnlyList<Parameter> parameters, double learningRate, double gradientClip, Func<Tensor> computeLoss)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(computeLoss);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }

        optimizer.zero_grad();
        var loss = computeLoss();
        var value = loss.item<float>();
        if (IsDiverged(value))
        {
            return value;
        }

        loss.backward();
        if (gradientClip > 0)
        {
            nn.utils.clip_grad_norm_(parameters, gradientClip);
        }

        optimizer.step();
        return value;
    }

    /// <summary>Whether a loss is NaN, infinite or above <see cref="ExplodedLoss"/>.</summary>
    public static bool IsDiverged(float loss) => !float.IsFinite(loss) || loss > ExplodedLoss;

    /// <summary>Whether every parameter of <paramref name="model"/> is finite.</summary>
    public static bool AllFinite(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.parameters().All(p => isfinite(p).all().item<bool>());
    }
}
