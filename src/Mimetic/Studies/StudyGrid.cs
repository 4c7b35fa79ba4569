using System.Globalization;

namespace Mimetic.Studies;

/// <summary>
/// Expands a study into its runs. Each run's directory is a pure function of its options, so a run is found
/// again on resume, by <c>--plan</c> commands on other machines, and by other studies that need the same run
/// (a <c>default</c> run leaves out the α/β options it does not read, so every α/β cell shares one).
/// </summary>
public static class StudyGrid
{
    /// <summary>
    /// Every run of <paramref name="study"/>, axes crossed in order (the last varies fastest), each once even
    /// where several settings share it (for example the <c>default</c> runs of an α/β study).
    /// </summary>
    /// <param name="study">The study.</param>
    /// <param name="runsRoot">Where run directories live.</param>
    /// <param name="nameByAllOptions">
    /// True for studies: a run directory is named by all its options (<c>runsRoot/&lt;options&gt;/&lt;init&gt;-seed&lt;seed&gt;</c>),
    /// so studies share runs. False for a comparison: by its axes only (<c>runsRoot/&lt;init&gt;-seed&lt;seed&gt;</c> when
    /// init and seed are its only axes).
    /// </param>
    public static IReadOnlyList<StudyRun> Expand(StudyDefinition study, string runsRoot, bool nameByAllOptions = true)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentException.ThrowIfNullOrWhiteSpace(runsRoot);
        study.Validate();
        var runs = new List<StudyRun>();
        foreach (var combination in Cross(study.Axes))
        {
            var merged = new Dictionary<string, string?>(study.Base, StringComparer.Ordinal);
            var axisOptions = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (_, value) in combination)
            {
                foreach (var (key, option) in value.Options)
                {
                    merged[key] = option;
                    axisOptions[key] = option;
                }
            }

            var init = merged.GetValueOrDefault(StudyDefinition.InitOption) ?? throw new StudyException("a run has no init");
            var seedText = merged.GetValueOrDefault(StudyDefinition.SeedOption) ?? "0";
            if (!long.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
            {
                throw new StudyException($"seed '{seedText}' is not an integer");
            }

            var (arguments, _) = StudyRun.Options(merged, init);
            var (_, name) = StudyRun.Options(nameByAllOptions ? merged : axisOptions, init);
            var cell = !nameByAllOptions && name == "base" ? runsRoot : Path.Combine(runsRoot, name);
            var directory = Path.Combine(cell, $"{init}-seed{seed.ToString(CultureInfo.InvariantCulture)}");
            arguments.AddRange(["--init", init, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--out", directory]);
            var setting = combination
                .Where(c => c.Axis.Name is not StudyDefinition.InitOption and not StudyDefinition.SeedOption)
                .ToDictionary(c => c.Axis.Name, c => c.Value.Label, StringComparer.Ordinal);
            runs.Add(new StudyRun(setting, init, seed, StudyRun.CommandOf(study.Kind), arguments, directory));
        }

        return runs;
    }

    /// <summary>The runs to train: each run directory once, in grid order.</summary>
    public static IReadOnlyList<StudyRun> Distinct(IReadOnlyList<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.DistinctBy(r => Path.GetFullPath(r.Directory), StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<List<(StudyAxis Axis, AxisValue Value)>> Cross(IReadOnlyList<StudyAxis> axes)
    {
        IEnumerable<List<(StudyAxis, AxisValue)>> combinations = [[]];
        foreach (var axis in axes)
        {
            var current = axis;
            combinations = combinations.SelectMany(c => current.Values.Select(v => new List<(StudyAxis, AxisValue)>(c) { (current, v) })).ToList();
        }

        return combinations;
    }
}
