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

    /// <summary>The text corpus: <c>text</c>, a UTF-8 file split by <see cref="TrainFraction"/> (Tiny Shakespeare unless
    /// another is given), or <c>brown</c>, the Brown corpus split by documents (see <see cref="BrownCorpus"/>).</summary>
    public string Corpus { get; init; } = TextCorpus;

    /// <summary>The text file (full path); for the Brown corpus, the folder its documents were read from.</summary>
    public string Text { get; init; } = "";

    /// <summary>SHA-256 of the text file (or of the Brown tarball); a resumed run refuses a changed file.</summary>
    public string TextSha256 { get; init; } = "";

    /// <summary>Tokenizer kind: <c>char</c>, <c>gpt2</c> or (Brown only) <c>word</c>.</summary>
    public string Tokenizer { get; init; } = CharTokenizer.KindName;

    /// <summary>The share of tokens for training, the rest validating (text files; the Brown corpus splits by documents).</summary>
    public double TrainFraction { get; init; } = 0.9;

    /// <summary>Position embedding: <c>learned</c> (GPT-2's table) or <c>sincos</c> (fixed; see <see cref="GptPositions"/>).</summary>
    public string Position { get; init; } = "learned";

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Steps between evaluations (an "epoch" of the run files); the last evaluation is at <see cref="Steps"/>.</summary>
    public int EvalInterval { get; init; } = 200;

    /// <summary>At most this many validation windows per evaluation (evenly spread); null for all.</summary>
    public int? EvalWindows { get; init; } = 200;

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>The value of <see cref="Corpus"/> for a UTF-8 text file.</summary>
    public const string TextCorpus = "text";

    /// <summary>The values of <see cref="Corpus"/>.</summary>
    public static IReadOnlyList<string> Corpora { get; } = [TextCorpus, BrownCorpus.Name];

    /// <summary>The model's shape: the preset, the tokenizer's vocabulary and the position embedding.</summary>
    public GptConfig ModelConfig(int vocabSize) => GptPresets.Get(Model, vocabSize) with { Position = GptPositions.Parse(Position) };

    /// <summary>Number of evaluations: one every <see cref="EvalInterval"/> steps and one at the end.</summary>
    /// <remarks>Counted in 64 bits: <c>Steps + EvalInterval</c> overflows an int for step counts near its limit, which made
    /// the count negative and a run of 2,147,483,647 steps "already complete" before its first step.</remarks>
    public int Evaluations => (int)(((long)Steps + EvalInterval - 1) / EvalInterval);

    /// <inheritdoc />
    [System.Text.Json.Serialization.JsonIgnore]
    public override string LengthOption => "steps";

    /// <inheritdoc />
    protected override RunConfig WithLengthOf(RunConfig other) => other is LanguageTrainingConfig language ? this with { Steps = language.Steps } : this;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Steps >= 1, $"steps must be at least 1, not {Steps}");
        Require(EvalInterval >= 1, $"the evaluation interval must be at least 1 step, not {EvalInterval}");
        Require(EvalWindows is null or >= 1, "evaluation windows must be at least 1");
        Require(WarmupSteps >= 0 && WarmupSteps <= Steps, $"warm-up ({WarmupSteps} steps, --warmup) must be between 0 and the number of steps ({Steps}, --steps)");
        Require(TrainFraction is > 0 and < 1, $"the training fraction must be between 0 and 1, not {TrainFraction}");
        Require(TextTokenizers.IsKnown(Tokenizer), $"unknown tokenizer '{Tokenizer}'; known: {string.Join(", ", TextTokenizers.Kinds)}");
        Require(Corpora.Contains(Corpus), $"unknown corpus '{Corpus}'; known: {string.Join(", ", Corpora)}");
        Require(Tokenizer != WordTokenizer.KindName || Corpus == BrownCorpus.Name, "the word tokenizer needs the Brown corpus (--corpus brown)");
        Require(GptPositions.IsKnown(Position), $"unknown position embedding '{Position}'; known: {string.Join(", ", GptPositions.Names)}");
        Require(GptPresets.IsKnown(Model), $"unknown GPT preset '{Model}'; known: {string.Join(", ", GptPresets.Names)}");
    }
}
