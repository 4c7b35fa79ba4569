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
    /// <summary>The text file.</summary>
    [CommandOption("--text <FILE>")]
    [Description("a UTF-8 text file (default: tinyshakespeare.txt from --data, $MIMETIC_DATA, ../shared/data or the user cache, else downloaded)")]
    public string? Text { get; init; }

    /// <summary>Where to look for the default text.</summary>
    [CommandOption("--data <DIR>")]
    [Description("folder searched first for tinyshakespeare.txt when --text is not given (must exist)")]
    public string? Data { get; init; }

    /// <summary>Tokenizer.</summary>
    [CommandOption("--tokenizer <KIND>")]
    [Description("char (vocabulary built from the text) | gpt2 (GPT-2's BPE)")]
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

    /// <summary>The config for one run on <paramref name="corpus"/>.</summary>
    public LanguageTrainingConfig ToConfig(string init, long seed, LanguageCorpus? corpus = null) => new()
    {
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
    };

    /// <summary>
    /// Finds the text (or the default corpus) and tokenizes it, with a one-line summary. A named data folder
    /// (<c>--data</c>, <c>$MIMETIC_DATA</c>) must exist even when <c>--text</c> makes it unused.
    /// </summary>
    public LanguageCorpus LoadCorpus(IAnsiConsole console)
    {
        _ = new DatasetLocator(Data); // throws for a missing or unreadable named folder
        var text = Text ?? DatasetCatalog.LocateTinyShakespeare(new DatasetLoadOptions { DataDirectory = Data });
        return LoadCorpus(console, text, Tokenizer, TrainFraction);
    }

    /// <summary>Tokenizes <paramref name="path"/> (or reads its cached ids) and prints a one-line summary.</summary>
    public static LanguageCorpus LoadCorpus(IAnsiConsole console, string path, string tokenizer, double trainFraction)
    {
        ArgumentNullException.ThrowIfNull(console);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var corpus = LanguageCorpus.Load(path, tokenizer, trainFraction);
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
