using System.ComponentModel;
using Mimetic.Language;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic lm-compare</c>.</summary>
public sealed class LanguageCompareSettings : LanguageTrainingSettings
{
    /// <summary>Initializations to compare.</summary>
    [CommandOption("--inits <LIST>")]
    [Description("comma-separated initializations")]
    [DefaultValue("default,mimetic,mimetic+,mimetic-qk,mimetic-vo")]
    public string Inits { get; init; } = "default,mimetic,mimetic+,mimetic-qk,mimetic-vo";

    /// <summary>Seeds.</summary>
    [CommandOption("--seeds <LIST>")]
    [Description("comma-separated seeds")]
    [DefaultValue("0,1")]
    public string Seeds { get; init; } = "0,1";

    /// <summary>Output directory.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("comparison directory: one run directory per init and seed, plus report.md and plots (default: runs/lm-compare-[[brown-]]<model>-<tokenizer>[[-sincos]])")]
    public string? Out { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var lists = ComparisonLists.Validate(Inits, Seeds);
        return lists.Successful ? base.Validate() : lists;
    }
}

/// <summary><c>mimetic lm-compare</c>: language-model inits × seeds with everything else equal, then a report (see <see cref="Comparison"/>).</summary>
public sealed class LanguageCompareCommand(IAnsiConsole console) : Command<LanguageCompareSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, LanguageCompareSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var root = settings.Out ?? Path.Combine("runs", $"lm-compare-{settings.RunLabel}");
        var given = OptionArguments.Given<LanguageCompareSettings>(StudyExecutor.OwnArguments(context.Arguments, context.Name), "inits", "seeds", "out", "init", "seed");
        var text = settings.IsBrown ? "the Brown corpus" : settings.Text is { } file ? Path.GetFileName(file) : LanguageCorpus.TinyShakespeare;
        return Comparison.Run(console, context, TrainingTasks.Language, given, ComparisonLists.Inits(settings.Inits), ComparisonLists.Seeds(settings.Seeds), root,
            $"Mimetic vs. default initialization: {settings.Model} on {text} ({settings.Tokenizer} tokens{(settings.Position == "learned" ? "" : ", " + settings.Position + " positions")})");
    }
}
