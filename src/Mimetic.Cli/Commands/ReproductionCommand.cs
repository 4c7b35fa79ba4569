using System.ComponentModel;
using Mimetic.Studies;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic reproduction</c>.</summary>
public sealed class ReproductionSettings : CommandSettings
{
    /// <summary>The study files.</summary>
    [CommandArgument(0, "<FILES>")]
    [Description("study files whose claims to judge, in the order to show them")]
    public string[] Files { get; init; } = [];

    /// <summary>Where run directories live.</summary>
    [CommandOption("--runs <DIR>")]
    [Description("where the run directories live")]
    [DefaultValue("experiments/runs")]
    public string Runs { get; init; } = "experiments/runs";

    /// <summary>Where study reports go.</summary>
    [CommandOption("--reports <DIR>")]
    [Description("folder of the study reports (one sub-folder per study), rewritten from the runs")]
    [DefaultValue("docs/studies")]
    public string Reports { get; init; } = "docs/studies";

    /// <summary>The document.</summary>
    [CommandOption("-o|--out <FILE>")]
    [DefaultValue("docs/reproduction.md")]
    public string Out { get; init; } = "docs/reproduction.md";
}

/// <summary><c>mimetic reproduction</c>: judges each study's claim from its saved runs and writes docs/reproduction.md and the studies' reports.</summary>
public sealed class ReproductionCommand(IAnsiConsole console) : Command<ReproductionSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ReproductionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        var studies = settings.Files.Select(file => (File: file, Study: StudyDefinition.Load(file))).ToList();
        if (studies.Where(s => s.Study.Claim is null).Select(s => s.File).FirstOrDefault() is { } unjudged)
        {
            // Its row would silently be missing from the document: refuse before anything is written.
            throw new StudyException($"study file '{unjudged}' declares no \"claim\", so it has no row to judge; " +
                $"add a claim, or gather it alone with 'mimetic study {unjudged} --report'");
        }

        var results = new List<StudyResult>();
        foreach (var (file, study) in studies)
        {
            var result = StudyResult.Gather(study, StudyGrid.Expand(study, settings.Runs));
            result.Write(Path.Combine(settings.Reports, study.Name), $"mimetic study {file} --runs {settings.Runs} --out {Path.Combine(settings.Reports, study.Name)}");
            results.Add(result);
        }

        var documentFolder = Path.GetDirectoryName(Path.GetFullPath(settings.Out))!;
        Directory.CreateDirectory(documentFolder);
        var markdown = Reproduction.Markdown(results,
            study => Path.GetRelativePath(documentFolder, Path.GetFullPath(Path.Combine(settings.Reports, study.Name))).Replace('\\', '/'),
            "mimetic " + string.Join(' ', context.Arguments));
        Training.RunFiles.WriteAtomically(settings.Out, markdown);
        foreach (var result in results.Where(r => r.Study.Claim is not null))
        {
            var (verdict, evidence) = Reproduction.Judge(result);
            console.MarkupLine($"{Markup.Escape(result.Study.Name)}: [bold]{Reproduction.Words(verdict)}[/] — {Markup.Escape(evidence)}");
        }

        console.MarkupLine($"written: [green]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }
}
