using Mimetic.Cli.Commands;
using Mimetic.Studies;
using Mimetic.Training;

namespace Mimetic.Cli;

/// <summary>
/// Checks every option a study sets — its base and each axis value — against the option table of the command its runs
/// use (<c>train</c> or <c>lm-train</c>), with the same messages a mistyped command line gets (<see cref="StrictCommandLine"/>:
/// unknown options with the nearest valid one, values that do not fit their type), before anything is planned or
/// written. An option of the other model kind is named as such.
/// </summary>
internal static class StudyOptionCheck
{
    private static readonly Lazy<StrictCommandLine> Table = new(() =>
    {
        var table = new StrictCommandLine(MimeticApp.Name);
        table.Add<TrainCommand>(StudyRun.CommandOf(TrainingTasks.Vision));
        table.Add<LanguageTrainCommand>(StudyRun.CommandOf(TrainingTasks.Language));
        return table;
    });

    /// <summary>Throws <see cref="UsageException"/> naming the study file, the place in it and what is wrong.</summary>
    /// <param name="study">The loaded study (its grid already checked by <see cref="StudyDefinition.Validate"/>).</param>
    /// <param name="file">The study file, for messages.</param>
    /// <param name="runs">The <c>--runs</c> folder: it must not be empty.</param>
    /// <param name="report">The <c>--out</c> report folder, if given: it must not be empty.</param>
    public static void Check(StudyDefinition study, string file, string runs, string? report)
    {
        ArgumentNullException.ThrowIfNull(study);
        if (string.IsNullOrWhiteSpace(runs))
        {
            throw new UsageException("--runs is empty; give the folder of the run directories");
        }

        if (report is not null && string.IsNullOrWhiteSpace(report))
        {
            throw new UsageException("--out is empty; give the report folder, or leave --out out for runs/studies/<study name>");
        }

        Check(study, "base", study.Base, file);
        foreach (var axis in study.Axes)
        {
            foreach (var value in axis.Values)
            {
                Check(study, $"axis '{axis.Name}', value '{value.Label}'", value.Options, file);
            }
        }
    }

    // An option that needs no value passes the check alone; one that takes a value is refused without it.
    private static bool TakesNoValue(string command, string option)
    {
        try
        {
            Table.Value.Check([command, option]);
            return true;
        }
        catch (UsageException)
        {
            return false;
        }
    }

    private static void Check(StudyDefinition study, string where, IReadOnlyDictionary<string, string?> options, string file)
    {
        var command = StudyRun.CommandOf(study.Kind);
        var other = StudyRun.CommandOf(study.Kind == TrainingTasks.Vision ? TrainingTasks.Language : TrainingTasks.Vision);
        var ours = Table.Value.OptionsOf(command);
        foreach (var (key, value) in options)
        {
            var option = "--" + key;
            if (!ours.Contains(option, StringComparer.Ordinal) && Table.Value.OptionsOf(other).Contains(option, StringComparer.Ordinal))
            {
                throw new UsageException($"{file}: {where}: '{key}' is an option of '{other}', but this study's kind is '{study.Kind}' ('{command}')");
            }

            string[] arguments = value is null || value == StudyRun.Flag ? [command, option] : [command, option, value];
            try
            {
                if (value is not null || !ours.Contains(option, StringComparer.Ordinal))
                {
                    Table.Value.Check(arguments);
                }
            }
            catch (UsageException e)
            {
                throw new UsageException($"{file}: {where}: {e.Message}");
            }

            if (value is not null && value != StudyRun.Flag && TakesNoValue(command, option))
            {
                throw new UsageException($"{file}: {where}: {option} is a flag; give true or false, not '{value}'");
            }
        }
    }
}
