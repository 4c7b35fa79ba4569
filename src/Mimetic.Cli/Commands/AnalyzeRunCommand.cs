using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Mimetic.Analysis;
using Mimetic.Reports;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic analyze-run</c>.</summary>
public sealed class AnalyzeRunSettings : CommandSettings
{
    /// <summary>Run directories.</summary>
    [CommandArgument(0, "<RUN>")]
    [Description("one or more run directories (e.g. several seeds of one init: averaged with a band)")]
    public string[] Runs { get; init; } = [];

    /// <summary>Output folder.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("folder for the plots and trajectory.json (default: <first run>/analysis)")]
    public string? Out { get; init; }
}

/// <summary><c>mimetic analyze-run</c>: the identity scores of every saved epoch of one or more runs, as a table, JSON and plots.</summary>
public sealed class AnalyzeRunCommand(IAnsiConsole console) : Command<AnalyzeRunSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, AnalyzeRunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Runs.Length == 0)
        {
            throw new ArgumentException("pass at least one run directory");
        }

        var runs = settings.Runs.Select(RunTrajectory.Analyze).ToList();
        var directory = settings.Out ?? Path.Combine(settings.Runs[0], "analysis");
        var title = string.Join(", ", runs.Select(r => r.Init).Distinct());
        var plots = TrajectoryFigures.Save(runs, directory, title);
        RunFiles.WriteAtomically(Path.Combine(directory, "trajectory.json"), JsonSerializer.Serialize(runs, RunFiles.Json));

        var table = new Table().AddColumns("run", "epoch", "QK identity (mean over layers)", "VO identity (mean over layers)", "VO diag (mean over layers)");
        foreach (var run in runs)
        {
            foreach (var epoch in run.Epochs)
            {
                table.AddRow(
                    Markup.Escape($"{run.Init} seed {run.Seed}"), epoch.Epoch.ToString(CultureInfo.InvariantCulture),
                    F(epoch.Layers.Average(l => l.QueryKeyIdentityScore)), F(epoch.Layers.Average(l => l.ValueProjection.IdentityScore)),
                    F(epoch.Layers.Average(l => l.ValueProjection.MeanDiagonal)));
            }
        }

        console.Write(table);
        foreach (var plot in plots.Append(Path.Combine(directory, "trajectory.json")))
        {
            console.MarkupLine($"wrote [green]{Markup.Escape(plot)}[/]");
        }

        return 0;
    }

    private static string F(double value) => Math.Round(value, 3).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
