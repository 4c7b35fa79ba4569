using Mimetic.Init;
using Mimetic.Models;

namespace Mimetic.Language;

/// <summary>
/// Everything that decides a language-model run. Saved as <c>config.json</c> in the run directory, so a run
/// can be resumed or reproduced from it alone.
/// </summary>
public sealed record LanguageTrainingConfig
{
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

    /// <summary>Model preset name (see <see cref="GptPresets"/>).</summary>
    public string Model { get; init; } = "gpt-cpu";

    /// <summary>Position embedding: <c>learned</c> (GPT-2's table) or <c>sincos</c> (fixed; see <see cref="GptPositions"/>).</summary>
    public string Position { get; init; } = "learned";

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

    /// <summary>The value of <see cref="Corpus"/> for a UTF-8 text file.</summary>
    public const string TextCorpus = "text";

    /// <summary>The values of <see cref="Corpus"/>.</summary>
    public static IReadOnlyList<string> Corpora { get; } = [TextCorpus, BrownCorpus.Name];

    /// <summary>The model's shape: the preset, the tokenizer's vocabulary and the position embedding.</summary>
    public GptConfig ModelConfig(int vocabSize) => GptPresets.Get(Model, vocabSize) with { Position = GptPositions.Parse(Position) };

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
        Require(Corpora.Contains(Corpus), $"unknown corpus '{Corpus}'; known: {string.Join(", ", Corpora)}");
        Require(Tokenizer != WordTokenizer.KindName || Corpus == BrownCorpus.Name, "the word tokenizer needs the Brown corpus (--corpus brown)");
        Require(GptPositions.IsKnown(Position), $"unknown position embedding '{Position}'; known: {string.Join(", ", GptPositions.Names)}");
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
