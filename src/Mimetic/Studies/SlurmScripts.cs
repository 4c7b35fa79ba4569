using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mimetic.Studies;

/// <summary>What a Slurm submission of a study's missing runs asks for, and where it runs.</summary>
/// <param name="Launcher">What each command starts with, as shell words (<c>mimetic</c>, <c>dotnet /opt/mimetic/Mimetic.Cli.dll</c>).</param>
/// <param name="StudyFile">The study file, as the report step gives it to <c>mimetic study</c>.</param>
/// <param name="Runs">Where the run directories live (<c>--runs</c>).</param>
/// <param name="ReportDirectory">The report folder (<c>--out</c>), or null for the default.</param>
/// <param name="WorkingDirectory">Where the jobs run: relative paths in the commands are relative to it.</param>
/// <param name="Memory">Memory per task in sbatch's syntax (<c>4G</c>, <c>1500M</c>).</param>
public sealed record SlurmOptions(string Launcher, string StudyFile, string Runs, string? ReportDirectory, string WorkingDirectory, string Memory);

/// <summary>
/// A study's missing runs as a Slurm job array — one task per run, each the run's <c>--plan</c> command line — with
/// its report as a second job that starts once every task has ended, and the script that submits both.
/// </summary>
/// <param name="Array">The job array script (<see cref="ArrayFile"/>).</param>
/// <param name="Report">The report job script (<see cref="ReportFile"/>).</param>
/// <param name="Submit">The submitting script (<see cref="SubmitFile"/>).</param>
/// <param name="Tasks">The number of array tasks: one per missing run.</param>
public sealed partial record SlurmScripts(string Array, string Report, string Submit, int Tasks)
{
    /// <summary>The job array script's file name.</summary>
    public const string ArrayFile = "array.sbatch";

    /// <summary>The report job script's file name.</summary>
    public const string ReportFile = "report.sbatch";

    /// <summary>The submitting script's file name.</summary>
    public const string SubmitFile = "submit.sh";

    /// <summary>Whether <paramref name="memory"/> is a size sbatch's <c>--mem</c> takes: a whole number, optionally K, M, G or T.</summary>
    public static bool IsMemory(string memory) => MemoryPattern().IsMatch(memory);

    /// <summary>The scripts for <paramref name="missing"/>, the runs of <paramref name="study"/> that have not completed.</summary>
    /// <exception cref="ArgumentException">No runs, or a memory size sbatch does not take.</exception>
    public static SlurmScripts Create(StudyDefinition study, IReadOnlyList<StudyRun> missing, SlurmOptions options)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(missing);
        ArgumentNullException.ThrowIfNull(options);
        if (missing.Count == 0)
        {
            throw new ArgumentException("a job array needs at least one run", nameof(missing));
        }

        if (!IsMemory(options.Memory))
        {
            throw new ArgumentException($"'{options.Memory}' is not a memory size for sbatch --mem (for example 4G or 1500M)", nameof(options));
        }

        var name = "mimetic-" + JobName(study.Name);
        var threads = missing.Select(Threads).ToList();
        var array = new StringBuilder();
        array.Append(CultureInfo.InvariantCulture, $"""
            #!/bin/bash
            # Study {OneLine(study.Name)}: the {missing.Count} runs that had not completed when `mimetic study --plan --slurm` wrote this.
            # One array task per run, each the run's --plan command line. Submit with {SubmitFile} (next to this file), which
            # also submits the report ({ReportFile}) to start once every task has ended. A task whose run has completed
            # since finds it complete and exits 0; one whose run another process holds fails with that process named.

            """).Append('\n');
        array.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name={name}\n");
        array.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{missing.Count - 1}\n");
        if (threads.Any(t => t is null))
        {
            array.Append("# A run without --threads (or with 0) uses one libtorch thread per core: each task takes a whole node.\n");
            array.Append("#SBATCH --exclusive\n");
        }
        else
        {
            array.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={threads.Max()}\n");
        }

        array.Append(CultureInfo.InvariantCulture, $"#SBATCH --mem={options.Memory}\n\n");
        array.Append("set -euo pipefail\n");
        array.Append("case \"${SLURM_ARRAY_TASK_ID:?this script is a Slurm array job: submit it with submit.sh or sbatch}\" in\n");
        foreach (var (run, index) in missing.Select((r, i) => (r, i)))
        {
            array.Append(CultureInfo.InvariantCulture, $"  # {OneLine(run.ToString())}\n");
            array.Append(CultureInfo.InvariantCulture, $"  {index}) exec {run.CommandLine(options.Launcher)} ;;\n");
        }

        array.Append("  *) echo \"error: array task $SLURM_ARRAY_TASK_ID has no run (this array has ")
            .Append(missing.Count.ToString(CultureInfo.InvariantCulture)).Append(")\" >&2; exit 2 ;;\nesac\n");

        var reportCommand = new List<string> { "study", options.StudyFile, "--report", "--runs", options.Runs };
        if (options.ReportDirectory is { } reportDirectory)
        {
            reportCommand.AddRange(["--out", reportDirectory]);
        }

        var report = $"""
            #!/bin/bash
            # Study {OneLine(study.Name)}'s report from the runs that have completed; lists the missing ones. Trains nothing.
            #SBATCH --job-name={name}-report
            #SBATCH --cpus-per-task=1
            #SBATCH --mem={options.Memory}

            set -euo pipefail
            exec {options.Launcher} {string.Join(' ', reportCommand.Select(StudyRun.Quote))}

            """;

        var chdir = StudyRun.Quote("--chdir=" + options.WorkingDirectory);
        var submit = string.Create(CultureInfo.InvariantCulture, $$"""
            #!/bin/bash
            # Submits study {{OneLine(study.Name)}}'s {{missing.Count}} missing runs as a Slurm job array ({{ArrayFile}}), then its report
            # ({{ReportFile}}) as a job that starts once every task has ended (afterany: a run that failed is listed as missing).
            # Arguments go to both sbatch calls, for example --partition=cpu --time=4:00:00.
            # Logs: logs/run-<array job>_<task>.log and logs/report-<job>.log next to this file.
            set -euo pipefail
            here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
            mkdir -p "$here/logs"
            array=$(sbatch --parsable {{chdir}} --output="$here/logs/run-%A_%a.log" "$@" "$here/{{ArrayFile}}")
            array=${array%%;*}
            report=$(sbatch --parsable {{chdir}} --dependency="afterany:$array" --output="$here/logs/report-%j.log" "$@" "$here/{{ReportFile}}")
            report=${report%%;*}
            echo "submitted job array $array ({{missing.Count}} runs) and report job $report (after the array)"

            """);
        return new SlurmScripts(array.ToString(), report, submit, missing.Count);
    }

    /// <summary>Writes the three scripts into <paramref name="directory"/> (created), the submitting one executable.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ArrayFile), Array);
        File.WriteAllText(Path.Combine(directory, ReportFile), Report);
        var submit = Path.Combine(directory, SubmitFile);
        File.WriteAllText(submit, Submit);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(submit, File.GetUnixFileMode(submit) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>The run's libtorch threads, or null when it uses one per core (no <c>--threads</c>, or 0).</summary>
    private static int? Threads(StudyRun run)
    {
        var at = run.Arguments.ToList().LastIndexOf("--threads");
        return at >= 0 && at + 1 < run.Arguments.Count && int.TryParse(run.Arguments[at + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : null;
    }

    private static string JobName(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        return text.ToString();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    [GeneratedRegex("^[1-9][0-9]*[KMGT]?$")]
    private static partial Regex MemoryPattern();
}
