using System.Globalization;
using System.Text.Json;
using Mimetic.Reports;
using Mimetic.Studies;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using Mimetic.Vision;

namespace Mimetic.Tests.Studies;

public sealed class StudyTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-study-").FullName;

    private string Write(string name, string json)
    {
        var path = Path.Combine(root, name);
        File.WriteAllText(path, json);
        return path;
    }

    private const string AlphaBeta = """
        {
          "name": "ab",
          "base": { "dataset": "cifar10", "model": "vit-micro", "epochs": 1, "no-augment": true, "randaugment": false },
          "axes": [
            { "name": "variant", "values": [ {}, { "alpha1": 0.35, "beta1": 0.35 } ], "labels": ["defaults", "qk 0.35"] },
            { "name": "seed", "values": [0, 1] },
            { "name": "init", "values": ["default", "mimetic"] }
          ],
          "main": "variant"
        }
        """;

    [Fact]
    public void TheGridCrossesAxesNamesRunsByTheirOptionsAndSharesDefaultRunsAcrossAlphaBetaCells()
    {
        var study = StudyDefinition.Load(Write("ab.json", AlphaBeta));
        var runs = StudyGrid.Expand(study, "pool");

        Assert.Equal(8, runs.Count);
        Assert.Equal(["default", "mimetic", "default", "mimetic"], runs.Take(4).Select(r => r.Init));
        Assert.Equal([0L, 0, 1, 1], runs.Take(4).Select(r => r.Seed));
        var plain = Path.Combine("pool", "dataset-cifar10_epochs-1_model-vit-micro_no-augment");
        Assert.Equal(Path.Combine(plain, "mimetic-seed0"), runs[1].Directory);
        Assert.Equal(Path.Combine("pool", "alpha1-0.35_beta1-0.35_dataset-cifar10_epochs-1_model-vit-micro_no-augment", "mimetic-seed0"), runs[5].Directory);
        Assert.Equal(Path.Combine(plain, "default-seed0"), runs[4].Directory);   // default ignores α/β: one run for both cells
        Assert.Equal("qk 0.35", runs[4].Setting["variant"]);
        Assert.Equal(6, StudyGrid.Distinct(runs).Count);

        Assert.Equal("train", runs[5].Command);
        Assert.Equal(["--alpha1", "0.35", "--beta1", "0.35", "--dataset", "cifar10", "--epochs", "1", "--model", "vit-micro", "--no-augment",
            "--init", "mimetic", "--seed", "0", "--out", runs[5].Directory], runs[5].Arguments);
        Assert.DoesNotContain("--alpha1", runs[4].Arguments);
        Assert.DoesNotContain("--randaugment", runs[4].Arguments);   // false: left out
    }

    [Fact]
    public void LongOptionListsGiveShortUniqueFolderNames()
    {
        var options = Enumerable.Range(0, 20).ToDictionary(i => $"option-{i}", i => (string?)$"value-{i}");
        var (_, name) = StudyRun.Options(options, "mimetic");
        options["option-19"] = "value-x";
        var (_, other) = StudyRun.Options(options, "mimetic");
        Assert.Equal(StudyRun.MaxNameLength, name.Length);
        Assert.StartsWith("option-0-value-0_option-1-value-1", name, StringComparison.Ordinal);
        Assert.NotEqual(name, other);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{ "axes": [ { "name": "seed", "values": [0] } ] }""", "no init")]
    [InlineData("""{ "base": { "init": "mimetic" }, "axes": [ { "name": "seed", "values": [0] } ], "main": "pos" }""", "main axis 'pos'")]
    [InlineData("""{ "base": { "init": "mimetic", "out": "x" }, "axes": [ { "name": "seed", "values": [0] } ] }""", "sets the run directory itself")]
    [InlineData("""{ "base": { "init": "mimetic" }, "axes": [ { "name": "seed", "values": ["zero"] } ] }""", "not an integer")]
    [InlineData("""{ "kind": "audio", "base": { "init": "mimetic" }, "axes": [ { "name": "seed", "values": [0] } ] }""", "kind must be")]
    [InlineData("""{ "base": { "init": "mimetic" }, "axes": [ { "name": "seed", "values": [0, 0] } ] }""", "repeats a value")]
    public void ABadStudyFileIsOneErrorThatNamesTheFile(string json, string expected)
    {
        var path = Write("bad.json", json);
        var error = Assert.Throws<StudyException>(() => StudyDefinition.Load(path));
        Assert.Contains("bad.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);

        var result = CliRunner.Run("study", path, "--plan");
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheReportPairsSeedsAndListsMissingRuns()
    {
        // Hand-written run directories: the expected statistics are exact.
        var study = StudyDefinition.Load(Write("ab.json", AlphaBeta));
        var runs = StudyGrid.Expand(study, Path.Combine(root, "pool"));
        var accuracy = new Dictionary<(string, long, string), double>
        {
            [("defaults", 0, "default")] = 0.50,
            [("defaults", 0, "mimetic")] = 0.56,
            [("defaults", 1, "default")] = 0.52,
            [("defaults", 1, "mimetic")] = 0.55,
            [("qk 0.35", 0, "mimetic")] = 0.51,
        };
        var firstEpoch = new Dictionary<(long, string), double>
        {
            [(0, "default")] = 0.40,
            [(0, "mimetic")] = 0.45,
            [(1, "default")] = 0.40,
            [(1, "mimetic")] = 0.43,
        };
        foreach (var run in runs)
        {
            if (accuracy.TryGetValue((run.Setting["variant"], run.Seed, run.Init), out var value))
            {
                FakeRun(run, value, run.Setting["variant"] == "defaults" ? firstEpoch[(run.Seed, run.Init)] : null);
            }
        }

        var result = StudyResult.Gather(study, runs);
        Assert.Equal(5, result.Completed);
        Assert.Equal([Path.Combine(root, "pool", "alpha1-0.35_beta1-0.35_dataset-cifar10_epochs-1_model-vit-micro_no-augment", "mimetic-seed1")], result.Missing.Select(m => m.Directory));
        var gain = result.Settings[0].GainOf("mimetic")!;
        Assert.Equal(2, gain.Gain.Count);
        Assert.Equal(6.0, gain.PerSeed[0], 9);
        Assert.Equal(3.0, gain.PerSeed[1], 9);
        Assert.Equal(4.5, gain.Gain.Mean, 9);
        Assert.Equal(Math.Sqrt(4.5), gain.Gain.Std, 9);
        var narrow = result.Settings[1].GainOf("mimetic")!;
        Assert.Equal(1, narrow.Gain.Count);   // seed 1 of this cell is missing: only seed 0 is paired
        Assert.Equal(1.0, narrow.PerSeed[0], 9);

        var reportDirectory = Path.Combine(root, "report");
        result.Write(reportDirectory, "mimetic study ab.json");
        var report = File.ReadAllText(Path.Combine(reportDirectory, ComparisonReport.ReportFile));
        Assert.Contains("| defaults | mimetic | 2 | 55.50 ± 0.71 | +4.50 ± 2.12 | +6.00 / +3.00 |", report, StringComparison.Ordinal);
        Assert.Contains("mimetic-seed1", report, StringComparison.Ordinal);
        Assert.Contains("5 of 6 runs completed", report, StringComparison.Ordinal);
        Assert.Contains("| 1 | +4.00 ± 1.41 |", report, StringComparison.Ordinal);   // the paired gain at each epoch: +5 / +3
        Assert.Contains("| 2 | +4.50 ± 2.12 |", report, StringComparison.Ordinal);   // … and at the end: +6 / +3
        Assert.True(new FileInfo(Path.Combine(reportDirectory, StudyResult.GainPlot)).Length > 1000);
        foreach (var curve in new[] { "setting1-test-accuracy.png", "setting1-train-loss.png", "setting2-test-accuracy.png", "setting2-train-loss.png" })
        {
            Assert.Contains($"]({curve})", report, StringComparison.Ordinal);   // each measured setting shows its curves
            Assert.True(new FileInfo(Path.Combine(reportDirectory, curve)).Length > 1000);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(reportDirectory, StudyResult.ResultsFile)));
        Assert.Equal(5, json.RootElement.GetProperty("Completed").GetInt32());
    }

    [Theory]
    [InlineData(0.56, 0.55, 0.52, 0.53, Verdict.Reproduced)]   // sincos gain +4.5 ± 2.1 vs learned −0.5 ± … : larger by more than the stds
    [InlineData(0.56, 0.55, 0.55, 0.545, Verdict.Partly)]
    [InlineData(0.51, 0.52, 0.56, 0.55, Verdict.NotReproduced)]
    public void VerdictsAreComputedByTheStudysRule(double sincos0, double sincos1, double learned0, double learned1, Verdict expected)
    {
        var path = Write("pos.json", """
            {
              "name": "pos",
              "base": { "model": "vit-micro", "epochs": 1 },
              "axes": [
                { "name": "pos", "values": [null, "learned"], "labels": ["sincos", "learned"] },
                { "name": "seed", "values": [0, 1] },
                { "name": "init", "values": ["default", "mimetic"] }
              ],
              "main": "pos",
              "claim": { "paper": "p", "anchor": "a", "setting": "s", "rule": "gain-larger-at-first", "inits": ["mimetic"] }
            }
            """);
        var study = StudyDefinition.Load(path);
        var runs = StudyGrid.Expand(study, Path.Combine(root, "pool"));
        var mimetic = new Dictionary<(string, long), double> { [("sincos", 0)] = sincos0, [("sincos", 1)] = sincos1, [("learned", 0)] = learned0, [("learned", 1)] = learned1 };
        foreach (var run in runs)
        {
            FakeRun(run, run.Init == "default" ? 0.50 + 0.02 * run.Seed : mimetic[(run.Setting["pos"], run.Seed)]);
        }

        var (verdict, evidence) = Reproduction.Judge(StudyResult.Gather(study, runs));
        Assert.Equal(expected, verdict);
        Assert.Contains("sincos", evidence, StringComparison.Ordinal);
        var document = Reproduction.Markdown([StudyResult.Gather(study, runs)], s => "studies/" + s.Name, "mimetic reproduction pos.json");
        Assert.Contains($"**{Reproduction.Words(expected)}**", document, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 0.60, 0.56, Verdict.Reproduced)]      // gain +10 then +6 points, two seeds each
    [InlineData(1, 0.60, 0.56, Verdict.Partly)]          // the same trend from one seed: no spread to judge it against
    [InlineData(2, 0.56, 0.60, Verdict.NotReproduced)]   // the gain grows with the data
    public void AShrinkingGainNeedsTwoSeedsAtEveryPointToCountAsReproduced(int seeds, double small, double large, Verdict expected)
    {
        var path = Write("size.json", string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "name": "size",
              "base": { "model": "vit-micro", "epochs": 1 },
              "axes": [
                { "name": "train-size", "values": [100, 200] },
                { "name": "seed", "values": [{{string.Join(", ", Enumerable.Range(0, seeds))}}] },
                { "name": "init", "values": ["default", "mimetic"] }
              ],
              "main": "train-size",
              "claim": { "paper": "p", "anchor": "a", "setting": "s", "rule": "gain-shrinks-along-main", "inits": ["mimetic"] }
            }
            """));
        var study = StudyDefinition.Load(path);
        var runs = StudyGrid.Expand(study, Path.Combine(root, "pool"));
        foreach (var run in runs)
        {
            var mimetic = run.Setting["train-size"] == "100" ? small : large;
            FakeRun(run, run.Init == "default" ? 0.50 : mimetic + 0.01 * run.Seed);
        }

        var (verdict, evidence) = Reproduction.Judge(StudyResult.Gather(study, runs));
        Assert.Equal(expected, verdict);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"(n={seeds})"), evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCommittedStudyFileLoadsExpandsAndIsRunByTheMakefile()
    {
        var repository = Mimetic.Data.DatasetLocator.FindRepositoryRoot(AppContext.BaseDirectory);
        Assert.NotNull(repository);
        var files = Directory.GetFiles(Path.Combine(repository, "experiments"), "*.json");
        Assert.NotEmpty(files);
        var makefile = File.ReadAllLines(Path.Combine(repository, "Makefile"));
        var listed = makefile.Where(l => l.StartsWith("STUDIES :=", StringComparison.Ordinal) || l.StartsWith("LM_STUDIES :=", StringComparison.Ordinal)
                || l.StartsWith("TIME_STUDIES :=", StringComparison.Ordinal))
            .SelectMany(l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        foreach (var file in files)
        {
            var study = StudyDefinition.Load(file);   // a broken study file is an error here, not on the next `make reproduce`
            Assert.Equal(Path.GetFileNameWithoutExtension(file), study.Name);
            Assert.NotEmpty(StudyGrid.Expand(study, Path.Combine(root, "pool")));
            Assert.Contains(study.Name, listed);
        }
    }

    [Fact]
    public void ReproductionRefusesAStudyWithoutAClaimInsteadOfLeavingOutItsRow()
    {
        var study = Write("ab.json", AlphaBeta);   // a study with no "claim"
        var document = Path.Combine(root, "reproduction.md");

        var result = CliRunner.Run("reproduction", study, "--runs", Path.Combine(root, "pool"), "--reports", Path.Combine(root, "studies"), "--out", document);

        Assert.Equal(Mimetic.Cli.ErrorReport.UsageError, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: study file '" + study + "' declares no \"claim\"", error, StringComparison.Ordinal);
        Assert.False(File.Exists(document));
        Assert.False(Directory.Exists(Path.Combine(root, "studies")));
    }

    [SkippableFact]
    public void AStudyTrainsEveryRunOnceSkipsThemWhenRunAgainAndPlansOnlyWhatIsMissing()
    {
        RealData.RequireCifar10();
        var path = Write("tiny.json", """
            {
              "name": "tiny",
              "base": { "model": "vit-micro", "train-size": 200, "test-size": 200, "epochs": 1, "batch-size": 50, "threads": 1 },
              "axes": [ { "name": "seed", "values": [0, 1] }, { "name": "init", "values": ["default", "mimetic"] } ],
              "main": "init"
            }
            """);
        var pool = Path.Combine(root, "pool");
        var report = Path.Combine(root, "report");
        var (plannedCode, plan) = CliRunner.Run("study", path, "--runs", pool, "--plan");
        Assert.Equal(0, plannedCode);
        var lines = plan.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("mimetic train ", l, StringComparison.Ordinal));

        // One planned command, run as printed, is what the study itself would have trained.
        var first = lines[0]["mimetic ".Length..].Split(' ');
        var (firstCode, firstOutput) = CliRunner.Run(first);
        Assert.True(firstCode == 0, firstOutput);
        var (_, afterOne) = CliRunner.Run("study", path, "--runs", pool, "--plan");
        Assert.Equal(3, afterOne.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var (code, output) = CliRunner.Run("study", path, "--runs", pool, "--out", report);
        Assert.True(code == 0, output);
        Assert.Contains("3 runs trained, 1 already complete", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(report, "report.md")));
        var (again, secondOutput) = CliRunner.Run("study", path, "--runs", pool, "--out", report);
        Assert.Equal(0, again);
        Assert.Contains("0 runs trained, 4 already complete", secondOutput, StringComparison.Ordinal);
        var (_, nothingLeft) = CliRunner.Run("study", path, "--runs", pool, "--plan");
        Assert.Equal("", nothingLeft.Trim());
    }

    [Fact]
    public void LanguageModelStudiesRunThroughTheSameMechanism()
    {
        var text = Write("text.txt", string.Concat(Enumerable.Repeat("To be, or not to be, that is the question.\n", 400)));
        var path = Write("lm.json", $$"""
            {
              "name": "lm",
              "kind": "language",
              "base": { "text": "{{text.Replace("\\", "/", StringComparison.Ordinal)}}", "model": "gpt-micro", "steps": 6, "eval-interval": 3, "eval-windows": 8,
                        "batch-size": 4, "warmup": 2, "threads": 1 },
              "axes": [ { "name": "seed", "values": [0] }, { "name": "init", "values": ["default", "mimetic+"] } ],
              "main": "init"
            }
            """);
        var report = Path.Combine(root, "lm-report");
        var result = CliRunner.Run("study", path, "--runs", Path.Combine(root, "pool"), "--out", report);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var markdown = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("final val. loss", markdown, StringComparison.Ordinal);
        Assert.Contains("| mimetic+ | 1 |", markdown, StringComparison.Ordinal);
        Assert.Contains("lower val. loss is better", markdown, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ARunDirectoryHasOneTrainerAtATime()
    {
        RealData.RequireCifar10();
        var directory = Path.Combine(root, "run");
        using (var held = RunLock.Acquire(directory))
        {
            var error = Assert.Throws<RunLockedException>(() => RunLock.Acquire(directory));
            Assert.Contains($"process {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
            Assert.Contains(Path.GetFullPath(directory), error.Message, StringComparison.Ordinal);

            var result = CliRunner.Run("train", "--model", "vit-micro", "--train-size", "100", "--test-size", "100", "--epochs", "1", "--batch-size", "50",
                "--threads", "1", "--out", directory);
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith("error:", result.ErrorLines.Single(), StringComparison.Ordinal);
            Assert.Contains("is being trained by process", result.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(directory, "status.json")));   // the holder's run is untouched
        }

        using var again = RunLock.Acquire(directory);   // released with the holder
    }

    /// <summary>A completed run: one epoch ending at <paramref name="testAccuracy"/>, or two when <paramref name="firstEpoch"/> is given.</summary>
    private static void FakeRun(StudyRun run, double testAccuracy, double? firstEpoch = null)
    {
        var files = new RunFiles(run.Directory);
        List<EpochMetrics> epochs = firstEpoch is { } first
            ? [new EpochMetrics(1, 2.2, 0.2, 2.1, first, 1e-4, 10, 100), new EpochMetrics(2, 2.0, 0.3, 1.9, testAccuracy, 1e-5, 10, 100)]
            : [new EpochMetrics(1, 2.0, 0.3, 1.9, testAccuracy, 1e-5, 10, 100)];
        var config = new TrainingConfig { Model = "vit-micro", Init = run.Init, Seed = run.Seed, Epochs = epochs.Count };
        files.WriteConfig(config);
        files.WriteMetrics(epochs);
        files.WriteStatus(new RunStatus(RunState.Completed, epochs.Count, string.Create(CultureInfo.InvariantCulture, $"fake {testAccuracy}")));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
