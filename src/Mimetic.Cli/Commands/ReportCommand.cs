using System.ComponentModel;
using Mimetic.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic report</c>.</summary>
public sealed class ReportSettings : CommandSettings
{
    /// <summary>The comparison directory.</summary>
    [CommandArgument(0, "<DIR>")]
    [Description("a comparison directory (holding run directories)")]
    public string Directory { get; init; } = "";

    /// <summary>Report title.</summary>
    [CommandOption("--title <TEXT>")]
    [DefaultValue("Mimetic vs. default initialization")]
    public string Title { get; init; } = "Mimetic vs. default initialization";
}

/// <summary><c>mimetic report</c>: regenerates a comparison's report and plots (vision or language model) from its run directories.</summary>
public sealed class ReportCommand(IAnsiConsole console) : Command<ReportSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ReportSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        console.Write(StudyExecutor.SummaryTable(ComparisonReport.Write(settings.Directory, settings.Title)));

        console.MarkupLine($"report: [green]{Markup.Escape(Path.Combine(settings.Directory, ComparisonReport.ReportFile))}[/]");
        return 0;
    }
}
