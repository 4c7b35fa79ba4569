using System.ComponentModel;
using Mimetic.Language;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic lm-compare</c>.</summary>
public sealed class LanguageCompareSettings : LanguageTrainingSettings, ICompareOptions
{
    /// <inheritdoc />
    [CommandOption("--inits <LIST>")]
    [Description("comma-separated initializations")]
    [DefaultValue("default,mimetic,mimetic+,mimetic-qk,mimetic-vo")]
    public string Inits { get; init; } = null!;

    /// <inheritdoc />
    [CommandOption("--seeds <LIST>")]
    [Description("comma-separated seeds")]
    [DefaultValue("0,1")]
    public string Seeds { get; init; } = null!;

    /// <inheritdoc />
    [CommandOption("-o|--out <DIR>")]
    [Description("comparison directory: one run directory per init and seed, plus report.md and plots (default: runs/lm-compare-[[brown-]]<model>-<tokenizer>[[-sincos]])")]
    public string? Out { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() => ComparisonLists.Validate(Inits, Seeds) is { Successful: false } lists ? lists : base.Validate();
}

/// <summary><c>mimetic lm-compare</c>: language-model inits × seeds (see <see cref="ComparisonCommand{TSettings}"/>).</summary>
public sealed class LanguageCompareCommand(IAnsiConsole console) : ComparisonCommand<LanguageCompareSettings>(console)
{
    /// <inheritdoc />
    protected override string Kind => TrainingTasks.Language;

    /// <inheritdoc />
    protected override string DefaultRoot(LanguageCompareSettings settings) => Path.Combine("runs", $"lm-compare-{settings.RunLabel}");

    /// <inheritdoc />
    protected override string Title(LanguageCompareSettings settings)
    {
        var text = settings.IsBrown ? "the Brown corpus" : settings.Text is { } file ? Path.GetFileName(file) : LanguageCorpus.TinyShakespeare;
        return $"Mimetic vs. default initialization: {settings.Model} on {text} ({settings.Tokenizer} tokens{(settings.Position == "learned" ? "" : ", " + settings.Position + " positions")})";
    }
}
