using System.ComponentModel;
using Mimetic.Language;
using Mimetic.Models;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic sample</c>.</summary>
public sealed class SampleSettings : CommandSettings
{
    /// <summary>The run directory.</summary>
    [CommandOption("-r|--run <DIR>")]
    [Description("a language-model run directory (from lm-train or lm-compare)")]
    public string Run { get; init; } = "";

    /// <summary>Weights to use instead of the run's latest checkpoint.</summary>
    [CommandOption("--weights <FILE>")]
    [Description("a weights file of the run (default: its latest checkpoint)")]
    public string? Weights { get; init; }

    /// <summary>Prompt.</summary>
    [CommandOption("-p|--prompt <TEXT>")]
    [Description("text to continue (default: a newline; for word tokens, the start of a document)")]
    public string? Prompt { get; init; }

    /// <summary>Tokens to generate.</summary>
    [CommandOption("-n|--tokens <N>")]
    [DefaultValue(500)]
    public int Tokens { get; init; } = 500;

    /// <summary>Temperature.</summary>
    [CommandOption("-t|--temperature <T>")]
    [Description("divides the logits; 0 is greedy")]
    [DefaultValue(0.8)]
    public double Temperature { get; init; } = 0.8;

    /// <summary>Top-k.</summary>
    [CommandOption("-k|--top-k <K>")]
    [Description("sample among the K most likely tokens (default: all)")]
    public int? TopK { get; init; }

    /// <summary>Seed.</summary>
    [CommandOption("-s|--seed <SEED>")]
    [DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>Where the model runs.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description(DeviceOption.Description)]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    /// <summary>The sampling options.</summary>
    public SamplingOptions ToOptions() => new(Tokens, Temperature, TopK, Seed);

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Run))
        {
            return ValidationResult.Error("--run DIR is required");
        }

        if (!DeviceOption.Validate(Device).Successful)
        {
            return DeviceOption.Validate(Device);
        }

        try
        {
            ToOptions().Validate();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }

        return ValidationResult.Success();
    }
}

/// <summary><c>mimetic sample</c>: generates text from a language-model run's checkpoint.</summary>
public sealed class SampleCommand(IAnsiConsole console) : Command<SampleSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, SampleSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var device = DeviceOption.Resolve(settings.Device);
        if (!File.Exists(Path.Combine(settings.Run, "config.json")))
        {
            throw new ArgumentException($"{settings.Run} is not a run directory (no config.json).");
        }

        var files = new RunFiles(settings.Run);
        var config = files.ReadConfig<LanguageTrainingConfig>();
        var tokenizer = TextTokenizers.Load(files.TokenizerPath);
        var weights = settings.Weights ?? Checkpoint.ModelPath(files.CheckpointDirectory)
            ?? throw new ArgumentException($"{settings.Run} has no checkpoint yet: nothing to sample from.");
        using var model = new Gpt(config.ModelConfig(tokenizer.VocabSize));
        Checkpoint.LoadWeights(weights, model);
        if (device.type != DeviceType.CPU)
        {
            model.to(device);
        }

        var prompt = settings.Prompt is { } text ? tokenizer.Encode(text) : DefaultPrompt(tokenizer);
        int[] generated;
        try
        {
            generated = TextSampler.Generate(model, prompt, settings.ToOptions());
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{weights}: {e.Message}", e);
        }

        var shown = Path.GetRelativePath(settings.Run, weights) is var inRun && !inRun.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(inRun) ? inRun : weights;
        console.MarkupLine($"[grey]{Markup.Escape(config.Model)}, init {Markup.Escape(config.Init)}, seed {config.Seed}, on {Mimetic.Devices.DeviceSelector.Name(device)}, weights {Markup.Escape(shown)}[/]");
        console.WriteLine(tokenizer.Decode([.. prompt, .. generated]));   // one decode: word tokens are spaced by their neighbours
        return 0;
    }

    private static int[] DefaultPrompt(ITextTokenizer tokenizer)
    {
        if (tokenizer is WordTokenizer)
        {
            return [WordTokenizer.EndOfDocumentId];   // a document's start
        }

        try
        {
            return tokenizer.Encode("\n");
        }
        catch (ArgumentException)
        {
            return [0];
        }
    }
}
