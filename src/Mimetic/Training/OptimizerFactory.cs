using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>Builds AdamW with weight decay on weight matrices only.</summary>
public static class OptimizerFactory
{
    /// <summary>
    /// Whether a parameter is decayed: matrices and kernels are; norms, biases (all 1-D), position and
    /// token embeddings and class tokens are not. A GPT's output layer is its token embedding, so it is not decayed either.
    /// </summary>
    public static bool IsDecayed(string name, Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.dim() >= 2 && !NotDecayed.Any(n => name.Contains(n, StringComparison.Ordinal));
    }

    private static readonly string[] NotDecayed = ["pos_embed", "tok_embed", "cls_token"];

    /// <summary>AdamW (β = 0.9, 0.999) over the trainable parameters of <paramref name="model"/>, in two groups.</summary>
    public static AdamW Create(nn.Module model, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(model);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var decayed = trainable.Where(p => IsDecayed(p.name, p.parameter)).Select(p => p.parameter).ToList();
        var plain = trainable.Where(p => !IsDecayed(p.name, p.parameter)).Select(p => p.parameter).ToList();
        var groups = new List<AdamW.ParamGroup>
        {
            new(decayed, new AdamW.Options { LearningRate = learningRate, weight_decay = weightDecay }),
            new(plain, new AdamW.Options { LearningRate = learningRate, weight_decay = 0 }),
        };
        return optim.AdamW(groups, learningRate, weight_decay: weightDecay);
    }
}
