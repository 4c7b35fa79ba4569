using System.Globalization;
using System.Text;
using System.Text.Json;
using Mimetic.Init;
using Mimetic.Reports;
using Mimetic.Training;

namespace Mimetic.Studies;

/// <summary>The paired gain of one init over <c>default</c> in one setting: per seed init − default (positive = better), then mean ± std.</summary>
/// <param name="Init">The init.</param>
/// <param name="Gain">Mean ± std over the seeds both have finished, in the primary metric's shown unit.</param>
/// <param name="PerSeed">The per-seed differences.</param>
public sealed record PairedGain(string Init, MeanStd Gain, IReadOnlyDictionary<long, double> PerSeed);

/// <summary>One setting of a study (the values of its axes other than init and seed) and what its finished runs show.</summary>
/// <param name="Setting">Axis name → value label.</param>
/// <param name="Summary">The comparison of its inits over seeds, or null before any run finished.</param>
/// <param name="Gains">The paired gain of each init over <c>default</c> (empty without default runs).</param>
public sealed record SettingResult(IReadOnlyDictionary<string, string> Setting, ComparisonSummary? Summary, IReadOnlyList<PairedGain> Gains)
{
    /// <summary>The gain of <paramref name="init"/>, if measured.</summary>
    public PairedGain? GainOf(string init) => Gains.FirstOrDefault(g => WeightInit.Normalize(g.Init) == WeightInit.Normalize(init));
}

/// <summary>What a study's saved runs show: one result per setting, and the runs still missing.</summary>
/// <param name="Study">The study.</param>
/// <param name="Settings">One result per setting, in grid order.</param>
/// <param name="Missing">Runs not yet completed (absent, running, stopped, failed or diverged).</param>
/// <param name="Completed">Completed runs.</param>
public sealed record StudyResult(StudyDefinition Study, IReadOnlyList<SettingResult> Settings, IReadOnlyList<StudyRun> Missing, int Completed)
{
    /// <summary>The file name of the gain plot.</summary>
    public const string GainPlot = "gain.png";

    /// <summary>The file name of the machine-readable results.</summary>
    public const string ResultsFile = "results.json";

    /// <summary>Reads every run of <paramref name="runs"/> back and summarises the study; never trains.</summary>
    public static StudyResult Gather(StudyDefinition study, IReadOnlyList<StudyRun> runs)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(runs);
        var records = new Dictionary<string, RunRecord?>(StringComparer.Ordinal);
        RunRecord? Completed(StudyRun run)
        {
            var key = Path.GetFullPath(run.Directory);
            if (!records.TryGetValue(key, out var record))
            {
                record = File.Exists(Path.Combine(run.Directory, "config.json")) ? RunRecord.Read(run.Directory) : null;
                record = record is { State: RunState.Completed, Rows.Count: > 0 } ? record : null;
                records[key] = record;
            }

            return record;
        }

        var settings = new List<SettingResult>();
        foreach (var group in runs.GroupBy(r => r.SettingKey))
        {
            var finished = group.Select(r => (Run: r, Record: Completed(r))).Where(p => p.Record is not null).ToList();
            var summary = finished.Count > 0 ? ComparisonSummary.From(finished.Select(p => p.Record!).ToList()) : null;
            settings.Add(new SettingResult(group.First().Setting, summary, summary is null ? [] : Gains(summary)));
        }

        var missing = StudyGrid.Distinct(runs).Where(r => Completed(r) is null).ToList();
        return new StudyResult(study, settings, missing, StudyGrid.Distinct(runs).Count - missing.Count);
    }

    /// <summary>Writes <c>report.md</c>, the gain plot and <c>results.json</c> to <paramref name="directory"/>.</summary>
    /// <param name="directory">The report folder.</param>
    /// <param name="command">The command that regenerates it, quoted in the report.</param>
    public void Write(string directory, string command)
    {
        Io.UserFile.RequireFolderOrMissing(directory, "report folder");
        Directory.CreateDirectory(directory);
        var plotted = SaveGainPlot(Path.Combine(directory, GainPlot));
        var curves = new Dictionary<SettingResult, CurvePlots>();
        for (var i = 0; i < Settings.Count; i++)
        {
            // Curves where there is something to compare: a gain, or inits without a default to compare with.
            if (Settings[i] is { Summary: { } summary } setting && (setting.Gains.Count > 0 || summary.Of(WeightInit.Default) is null))
            {
                curves[setting] = ComparisonReport.SavePlots(summary, directory, CurvePrefix(i, Settings.Count));
            }
        }

        RunFiles.WriteAtomically(Path.Combine(directory, ComparisonReport.ReportFile), Markdown(command, plotted, curves));
        RunFiles.WriteAtomically(Path.Combine(directory, ResultsFile), JsonSerializer.Serialize(ToJson(), RunFiles.Json));
    }

    private static List<PairedGain> Gains(ComparisonSummary summary)
    {
        var baseline = summary.Of(WeightInit.Default);
        if (baseline is null)
        {
            return [];
        }

        var schema = summary.Schema;
        var reference = baseline.Runs.ToDictionary(r => r.Seed, r => r.Final(schema.Primary.Key));
        return summary.Inits.Where(i => i.Init != WeightInit.Default).Select(i =>
        {
            var perSeed = i.Runs.Where(r => reference.ContainsKey(r.Seed))
                .ToDictionary(r => r.Seed, r => schema.Gain(r.Final(schema.Primary.Key), reference[r.Seed]));
            return new PairedGain(i.Init, MeanStd.Of(perSeed.Values.ToList()), perSeed);
        }).ToList();
    }

    /// <summary>File-name prefix of the curves of the grid's <paramref name="index"/>-th setting (none for a one-setting study).</summary>
    internal static string CurvePrefix(int index, int count) => count == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $"setting{index + 1}-");

    private string Markdown(string command, bool plotted, Dictionary<SettingResult, CurvePlots> curves)
    {
        var study = Study;
        var schema = Settings.Select(s => s.Summary?.Schema).FirstOrDefault(s => s is not null) ?? MetricSchema.For(study.Kind);
        var unit = schema.Primary.Scale == 100 ? "points" : schema.Primary.Label;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {study.Title}");
        text.AppendLine();
        if (study.Description.Length > 0)
        {
            text.AppendLine(study.Description);
            text.AppendLine();
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Regenerate (resumes or skips runs, then rewrites this report): `{command}`.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Base settings (`{StudyRun.CommandOf(study.Kind)}`): {(study.Base.Count == 0 ? "the command's defaults" : string.Join(", ", study.Base.Select(b => $"`--{b.Key}{(b.Value is null or StudyRun.Flag ? "" : " " + b.Value)}`")))}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Axes: {string.Join("; ", study.Axes.Select(a => $"{a.Name} ∈ {{{string.Join(", ", a.Values.Select(v => v.Label))}}}"))}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"{Completed} of {Completed + Missing.Count} runs completed.");
        text.AppendLine();
        text.AppendLine("## Results");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Final {schema.Primary.Label}: mean ± sample std over seeds (n). Gain: per seed, init − `default` with the same seed " +
            $"({(schema.HigherIsBetter ? "higher" : "lower")} {schema.Primary.Label} is better; a positive gain is an improvement), in {unit}; then mean ± std over seeds.");
        text.AppendLine();
        var axes = study.Axes.Where(a => a.Name is not StudyDefinition.InitOption and not StudyDefinition.SeedOption).Select(a => a.Name).ToList();
        text.AppendLine("| " + string.Concat(axes.Select(a => a + " | ")) + $"init | n | final {schema.Primary.Label} | gain over default | per seed |");
        text.AppendLine("|" + string.Concat(axes.Select(_ => "---|")) + "---|---:|---:|---:|---|");
        foreach (var setting in Settings.Where(s => s.Summary is not null))
        {
            foreach (var init in setting.Summary!.Inits)
            {
                var gain = setting.GainOf(init.Init);
                var gainText = gain is null ? "—" : Signed(gain.Gain.Mean, schema) + " ± " + gain.Gain.Std.ToString(schema.Primary.Format, CultureInfo.InvariantCulture);
                var perSeed = gain is null ? "" : string.Join(" / ", gain.PerSeed.OrderBy(p => p.Key).Select(p => Signed(p.Value, schema)));
                text.AppendLine("| " + string.Concat(axes.Select(a => setting.Setting.GetValueOrDefault(a, "") + " | ")) +
                                string.Create(CultureInfo.InvariantCulture, $"{init.Init} | {init.Runs.Count} | {schema.Primary.Show(init.Final)} | {gainText} | {perSeed} |"));
            }
        }

        if (plotted)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"![gain over default along {study.MainAxis}]({GainPlot})");
        }

        text.AppendLine();
        text.AppendLine("## Each setting");
        foreach (var setting in Settings.Where(s => s.Summary is not null))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {(setting.Setting.Count == 0 ? "all runs" : string.Join(", ", setting.Setting.Select(s => $"{s.Key} = {s.Value}")))}");
            text.AppendLine();
            text.Append(ComparisonReport.Table(setting.Summary!));
            text.AppendLine();
            if (curves.TryGetValue(setting, out var curve))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"![{setting.Summary!.Schema.PrimaryTitle.ToLowerInvariant()} by {setting.Summary.Schema.XLabel}, mean ± std over seeds]({curve.Primary})");
                text.AppendLine();
                text.AppendLine(CultureInfo.InvariantCulture, $"![training loss by {setting.Summary.Schema.XLabel}, mean ± std over seeds]({curve.Loss})");
                text.AppendLine();
                if (curve.Minutes is { } minutes)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"![{setting.Summary.Schema.PrimaryTitle.ToLowerInvariant()} against minutes, mean ± std over seeds]({minutes})");
                    text.AppendLine();
                }
            }

            if (setting.Gains.Count > 0)
            {
                text.Append(GainByRound(setting.Summary!));
                text.AppendLine();
            }

            text.Append(ComparisonReport.RunTable(setting.Summary!));
        }

        text.AppendLine();
        text.AppendLine("## Missing runs");
        text.AppendLine();
        if (Missing.Count == 0)
        {
            text.AppendLine("None: every run of the grid completed.");
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{Missing.Count} runs have not completed; the tables above leave them out. `mimetic study FILE --plan` prints their commands.");
            text.AppendLine();
            foreach (var run in Missing)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- `{run.Directory}` ({run})");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The paired gain over <c>default</c> at every evaluation (per seed, then mean ± std), one row per epoch or step:
    /// whether an init starts behind and ends ahead, or the reverse, shows here.
    /// </summary>
    private static string GainByRound(ComparisonSummary summary)
    {
        var schema = summary.Schema;
        var key = schema.Primary.Key;
        var baseline = summary.Of(WeightInit.Default)!;
        var reference = baseline.Runs.ToDictionary(r => r.Seed);
        var others = summary.Inits.Where(i => i.Init != WeightInit.Default).ToList();
        var rounds = summary.Inits.SelectMany(i => i.Runs).Min(r => r.Rows.Count);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Gain over `default` at each {schema.XLabel} (per seed, then mean ± std over the paired seeds):");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| {schema.XLabel} | {string.Join(" | ", others.Select(i => i.Init))} |");
        text.AppendLine("|---:|" + string.Concat(others.Select(_ => "---:|")));
        for (var round = 0; round < rounds; round++)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {baseline.Xs[round]} |");
            foreach (var init in others)
            {
                var gains = init.Runs.Where(r => reference.ContainsKey(r.Seed))
                    .Select(r => schema.Gain(r.Value(round, key), reference[r.Seed].Value(round, key))).ToList();
                var gain = MeanStd.Of(gains);
                text.Append(gains.Count == 0 ? " — |" : " " + Signed(gain.Mean, schema) + " ± " + gain.Std.ToString(schema.Primary.Format, CultureInfo.InvariantCulture) + " |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Signed(double value, MetricSchema schema) =>
        (value >= 0 ? "+" : "") + value.ToString(schema.Primary.Format, CultureInfo.InvariantCulture);

    /// <summary>The gain along the main axis: one line per init (and per value of the other axes); false when nothing is measured yet.</summary>
    private bool SaveGainPlot(string path)
    {
        var study = Study;
        var main = study.MainAxis;
        var schema = Settings.Select(s => s.Summary?.Schema).FirstOrDefault(s => s is not null);
        if (schema is null || Settings.All(s => s.Gains.Count == 0))
        {
            return false;
        }

        var series = new List<Series>();
        List<string>? labels = null;
        if (main == StudyDefinition.InitOption)
        {
            // x: the inits other than default; one line per setting.
            labels = Settings.SelectMany(s => s.Gains.Select(g => g.Init)).Distinct().ToList();
            foreach (var setting in Settings.Where(s => s.Gains.Count > 0))
            {
                var points = labels.Select((init, x) => (x, g: setting.GainOf(init))).Where(p => p.g is not null).ToList();
                series.Add(new Series(setting.Setting.Count == 0 ? "gain" : string.Join(", ", setting.Setting.Values),
                    points.Select(p => (double)p.x).ToArray(), points.Select(p => p.g!.Gain.Mean).ToArray(), points.Select(p => p.g!.Gain.Std).ToArray()));
            }
        }
        else
        {
            var axis = study.Axes.First(a => a.Name == main);
            var numeric = axis.Values.All(v => double.TryParse(v.Label, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            labels = numeric ? null : axis.Values.Select(v => v.Label).ToList();
            double X(string label) => numeric ? double.Parse(label, CultureInfo.InvariantCulture) : labels!.IndexOf(label);
            var lines = Settings.Where(s => s.Gains.Count > 0)
                .SelectMany(s => s.Gains.Select(g => (Line: g.Init + string.Concat(s.Setting.Where(kv => kv.Key != main).Select(kv => $", {kv.Key}={kv.Value}")), X: X(s.Setting[main]), Gain: g.Gain)))
                .GroupBy(p => p.Line);
            foreach (var line in lines)
            {
                var points = line.OrderBy(p => p.X).ToList();
                series.Add(new Series(line.Key, points.Select(p => p.X).ToArray(), points.Select(p => p.Gain.Mean).ToArray(), points.Select(p => p.Gain.Std).ToArray()));
            }
        }

        LinePlot.Save(path, $"{study.Title}: gain over default", main, $"gain in {schema.Primary.Label} (positive = better)", series,
            new LinePlotOptions(ReferenceLines: [0], XTickLabels: labels, Markers: true));
        return true;
    }

    private object ToJson() => new
    {
        Study.Name,
        Study.Title,
        Study.Kind,
        Completed,
        Missing = Missing.Select(m => m.Directory).ToList(),
        Settings = Settings.Select(s => new
        {
            s.Setting,
            Inits = s.Summary?.Inits.Select(i => new { i.Init, Runs = i.Runs.Count, i.Final.Mean, i.Final.Std }).ToList(),
            Gains = s.Gains.Select(g => new { g.Init, g.Gain.Mean, g.Gain.Std, g.Gain.Count, g.PerSeed }).ToList(),
        }).ToList(),
    };
}
