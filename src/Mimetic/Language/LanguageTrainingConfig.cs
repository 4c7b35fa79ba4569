using Mimetic.Init;
using Mimetic.Models;
using Mimetic.Training;

namespace Mimetic.Language;

/// <summary>
/// Everything that decides a language-model run. Saved as <c>config.json</c> in the run directory, so a run
/// can be resumed or reproduced from it alone.
/// </summary>
public sealed record LanguageTrainingConfig : RunConfig
{
    /// <summary>A language-model config with the language defaults (gpt-cpu, GPT-2's init, batch 32, weight decay 0.1).</summary>
    public LanguageTrainingConfig()
    {
        Model = "gpt-cpu";
        Init = WeightInit.Default;
        BatchSize = 32;
        MinLearningRate = 1e-4;
        WeightDecay = 0.1;
    }

    /// <inheritdoc />
    public override string Task => TrainingTasks.Language;

    /// <summary>The text file (full path).</summary>
    public string Text { get; init; } = "";

    /// <summary>SHA-256 of the text file; a resumed run refuses a changed file.</summary>
    public string TextSha256 { get; init; } = "";

    /// <summary>Tokenizer kind: <c>char</c> or <c>gpt2</c>.</summary>
    public string Tokenizer { get; init; } = CharTokenizer.KindName;

    /// <summary>The share of tokens for training; the rest is validation.</summary>
    public double TrainFraction { get; init; } = 0.9;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Steps between evaluations (an "epoch" of the run files); the last evaluation is at <see cref="Steps"/>.</summary>
    public int EvalInterval { get; init; } = 200;

    /// <summary>At most this many validation windows per evaluation (evenly spread); null for all.</summary>
    public int? EvalWindows { get; init; } = 200;

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Number of evaluations: one every <see cref="EvalInterval"/> steps and one at the end.</summary>
    public int Evaluations => (Steps + EvalInterval - 1) / EvalInterval;

    /// <inheritdoc />
    public override RunConfig WithResumableSettingsOf(RunConfig requested) =>
        requested is LanguageTrainingConfig language ? this with { Steps = language.Steps, Threads = language.Threads } : this;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Steps >= 1, $"steps must be at least 1, not {Steps}");
        Require(EvalInterval >= 1, $"the evaluation interval must be at least 1 step, not {EvalInterval}");
        Require(EvalWindows is null or >= 1, "evaluation windows must be at least 1");
        Require(WarmupSteps >= 0 && WarmupSteps <= Steps, "warm-up must be between 0 and the number of steps");
        Require(TrainFraction is > 0 and < 1, $"the training fraction must be between 0 and 1, not {TrainFraction}");
        Require(TextTokenizers.IsKnown(Tokenizer), $"unknown tokenizer '{Tokenizer}'; known: {string.Join(", ", TextTokenizers.Kinds)}");
        Require(GptPresets.IsKnown(Model), $"unknown GPT preset '{Model}'; known: {string.Join(", ", GptPresets.Names)}");
    }
}
