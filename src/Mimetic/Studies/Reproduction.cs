using System.Globalization;
using System.Text;
using Mimetic.Reports;

namespace Mimetic.Studies;

/// <summary>A verdict on one claim: reproduced, partly, not, or not yet measured.</summary>
public enum Verdict
{
    /// <summary>No completed pair of runs yet.</summary>
    NotMeasured,

    /// <summary>The claim does not hold here.</summary>
    NotReproduced,

    /// <summary>It holds in direction but not beyond the seed-to-seed spread, or only in part of the grid.</summary>
    Partly,

    /// <summary>It holds beyond the seed-to-seed spread.</summary>
    Reproduced,
}

/// <summary>
/// <c>docs/reproduction.md</c>: one row per study that tests a paper claim — the claim, the public anchor, our
/// setting, our result (gain over default, mean ± std, n seeds) and a verdict computed by the study's rule —
/// each linking to the study's report and gain plot, with the command that regenerates it.
/// </summary>
public static class Reproduction
{
    /// <summary>The verdict of <paramref name="result"/> under its claim's rule, and the numbers it read, in words.</summary>
    public static (Verdict Verdict, string Evidence) Judge(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var claim = result.Study.Claim ?? throw new ArgumentException($"Study '{result.Study.Name}' declares no claim.");
        var measured = claim.Inits.SelectMany(i => result.Settings.Select(s => (Setting: s, Init: i, Gain: s.GainOf(i)))).Where(m => m.Gain is { Gain.Count: > 0 }).ToList();
        if (measured.Count == 0)
        {
            return (Verdict.NotMeasured, "no completed pair of runs yet");
        }

        var schema = result.Settings.First(s => s.Summary is not null).Summary!.Schema;
        string Show(PairedGain g) => string.Create(CultureInfo.InvariantCulture,
            $"{(g.Gain.Mean >= 0 ? "+" : "")}{g.Gain.Mean.ToString(schema.Primary.Format, CultureInfo.InvariantCulture)} ± {g.Gain.Std.ToString(schema.Primary.Format, CultureInfo.InvariantCulture)} (n={g.Gain.Count})");
        string Where((SettingResult Setting, string Init, PairedGain? Gain) m) =>
            (m.Setting.Setting.Count == 0 ? "" : string.Join(", ", m.Setting.Setting.Values) + ": ") + (claim.Inits.Count > 1 ? m.Init + " " : "") + Show(m.Gain!);
        var evidence = string.Join("; ", measured.Select(Where));
        var expected = claim.Inits.Count * result.Settings.Count;
        if (measured.Count < expected)
        {
            return (Verdict.NotMeasured, $"{evidence} (so far {measured.Count} of the {expected} gains the claim needs)");
        }

        switch (claim.Rule)
        {
            case VerdictRule.Gain:
                if (measured.All(m => m.Gain!.Gain.Mean > m.Gain.Gain.Std && HasSpread(m.Gain.Gain)))
                {
                    return (Verdict.Reproduced, evidence);
                }

                return (measured.Any(m => m.Gain!.Gain.Mean > 0) ? Verdict.Partly : Verdict.NotReproduced, evidence);

            case VerdictRule.GainShrinksAlongMain:
                {
                    var axis = result.Study.Axes.First(a => a.Name == result.Study.MainAxis);
                    var points = measured.Where(m => m.Init == claim.Inits[0])
                        .OrderBy(m => axis.Values.Select(v => v.Label).ToList().IndexOf(m.Setting.Setting[axis.Name])).Select(m => m.Gain!.Gain).ToList();
                    if (points.Count < 2)
                    {
                        return (Verdict.NotMeasured, evidence + " (fewer than two points along the axis)");
                    }

                    var along = points.Select(p => p.Mean).ToList();
                    var shrinks = along.Zip(along.Skip(1), (a, b) => b <= a).All(x => x);
                    return (shrinks && points.All(HasSpread) ? Verdict.Reproduced : along[0] > along[^1] ? Verdict.Partly : Verdict.NotReproduced, evidence);
                }

            case VerdictRule.GainLargerAtFirst:
                {
                    var axis = result.Study.Axes.First(a => a.Name == result.Study.MainAxis);
                    PairedGain? At(int index) => measured.FirstOrDefault(m => m.Init == claim.Inits[0] && m.Setting.Setting[axis.Name] == axis.Values[index].Label).Gain;
                    if (axis.Values.Count < 2 || At(0) is not { } first || At(1) is not { } second)
                    {
                        return (Verdict.NotMeasured, evidence);
                    }

                    var difference = first.Gain.Mean - second.Gain.Mean;
                    return (HasSpread(first.Gain) && HasSpread(second.Gain) && difference > first.Gain.Std + second.Gain.Std ? Verdict.Reproduced : difference > 0 ? Verdict.Partly : Verdict.NotReproduced, evidence);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(result), claim.Rule, "unknown rule");
        }
    }

    /// <summary>Whether a gain has a seed-to-seed spread to judge it against: one seed has none, so it is never enough to reproduce a claim.</summary>
    private static bool HasSpread(MeanStd gain) => gain.Count > 1;

    /// <summary>The document: a table of claims and a section per study.</summary>
    /// <param name="results">The studies, in the order to show them.</param>
    /// <param name="reportLink">The link to a study's report folder (relative to the document).</param>
    /// <param name="regenerate">The command that regenerates everything.</param>
    public static string Markdown(IReadOnlyList<StudyResult> results, Func<StudyDefinition, string> reportLink, string regenerate)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(reportLink);
        var text = new StringBuilder();
        text.AppendLine("# Reproducing the paper's claims at CPU scale");
        text.AppendLine();
        text.AppendLine("Generated from saved runs by `" + regenerate + "`; every number below is read from the runs' `metrics.jsonl`.");
        text.AppendLine("Anchors come from GPUs and ViT-Tiny trained 200 epochs: compare directions and trends, not absolute numbers.");
        text.AppendLine("Gain = per seed, the init's final metric minus `default`'s with the same seed (positive = better), then mean ± sample std over seeds.");
        text.AppendLine("Verdicts are computed, not chosen: the rule of each study is in its file under `experiments/` and in `Mimetic.Studies.VerdictRule`.");
        text.AppendLine();
        text.AppendLine("| claim (paper) | anchor | our setting | our result | verdict | report |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var result in results.Where(r => r.Study.Claim is not null))
        {
            var claim = result.Study.Claim!;
            var (verdict, evidence) = Judge(result);
            var completeness = result.Missing.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({result.Completed} of {result.Completed + result.Missing.Count} runs)");
            var plot = result.Settings.Any(s => s.Gains.Count > 0) ? $", [plot]({reportLink(result.Study)}/{StudyResult.GainPlot})" : "";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {claim.Paper} | {claim.Anchor} | {claim.Setting}{completeness} | {evidence} | **{Words(verdict)}** | [{result.Study.Name}]({reportLink(result.Study)}/report.md){plot} |");
        }

        return text.ToString();
    }

    /// <summary>A verdict in words.</summary>
    public static string Words(Verdict verdict) => verdict switch
    {
        Verdict.Reproduced => "reproduced",
        Verdict.Partly => "partly",
        Verdict.NotReproduced => "not reproduced",
        _ => "not measured yet",
    };

}
