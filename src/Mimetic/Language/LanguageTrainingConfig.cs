using Mimetic.Init;
using Mimetic.Models;

namespace Mimetic.Language;

/// <summary>
/// Everything that decides a language-model run. Saved as <c>config.json</c> in the run directory, so a run
/// can be resumed or reproduced from it alone.
/// </summary>
public sealed record LanguageTrainingConfig
{
    /// <summary>The text file (full path).</summary>
    public string Text { get; init; } = "";

    /// <summary>SHA-256 of the text file; a resumed run refuses a changed file.</summary>
    public string TextSha256 { get; init; } = "";

    /// <summary>Tokenizer kind: <c>char</c> or <c>gpt2</c>.</summary>
    public string Tokenizer { get; init; } = CharTokenizer.KindName;

    /// <summary>The share of tokens for training; the rest is validation.</summary>
    public double TrainFraction { get; init; } = 0.9;

    /// <summary>Model preset name (see <see cref="GptPresets"/>).</summary>
    public string Model { get; init; } = "gpt-cpu";

    /// <summary>Initialization name (see <see cref="WeightInit"/>).</summary>
    public string Init { get; init; } = WeightInit.Default;

    /// <summary>α, β and sign for mimetic inits (parts, and a trailing-+ sign, come from <see cref="Init"/>).</summary>
    public MimeticOptions Mimetic { get; init; } = MimeticOptions.Vision;

    /// <summary>Seed of the model's init and of the batches.</summary>
    public long Seed { get; init; }

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Steps between evaluations (an "epoch" of the run files); the last evaluation is at <see cref="Steps"/>.</summary>
    public int EvalInterval { get; init; } = 200;

    /// <summary>At most this many validation windows per evaluation (evenly spread); null for all.</summary>
    public int? EvalWindows { get; init; } = 200;

    /// <summary>Windows (sequences of the model's context length) per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Peak learning rate of AdamW.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 1e-4;

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW weight decay; not applied to norms, biases and embeddings.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Intra-op threads for libtorch; 0 for one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Number of evaluations: one every <see cref="EvalInterval"/> steps and one at the end.</summary>
    public int Evaluations => (Steps + EvalInterval - 1) / EvalInterval;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot train.</summary>
    public void Validate()
    {
        Require(Steps >= 1, $"steps must be at least 1, not {Steps}");
        Require(EvalInterval >= 1, $"the evaluation interval must be at least 1 step, not {EvalInterval}");
        Require(EvalWindows is null or >= 1, "evaluation windows must be at least 1");
        Require(BatchSize >= 1, $"batch size must be at least 1, not {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be positive, not {LearningRate}");
        Require(MinLearningRate >= 0 && MinLearningRate <= LearningRate, "the minimum learning rate must be between 0 and the learning rate");
        Require(WarmupSteps >= 0 && WarmupSteps <= Steps, "warm-up must be between 0 and the number of steps");
        Require(WeightDecay >= 0, "weight decay must be ≥ 0");
        Require(GradientClip >= 0, "gradient clip must be ≥ 0");
        Require(TrainFraction is > 0 and < 1, $"the training fraction must be between 0 and 1, not {TrainFraction}");
        Require(Threads >= 0, "threads must be ≥ 0");
        Require(TextTokenizers.IsKnown(Tokenizer), $"unknown tokenizer '{Tokenizer}'; known: {string.Join(", ", TextTokenizers.Kinds)}");
        Require(WeightInit.IsKnown(Init), $"unknown initialization '{Init}'; known: {string.Join(", ", WeightInit.Names)}");
        Require(GptPresets.IsKnown(Model), $"unknown GPT preset '{Model}'; known: {string.Join(", ", GptPresets.Names)}");
        Mimetic.Validate();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid language-model config: {message}.");
        }
    }
}
