using System.Text.Json;
using Mimetic.Data;
using Mimetic.Io;
using Mimetic.Language;
using Mimetic.Models;
using Mimetic.Tests.Cli;
using Mimetic.Training;

namespace Mimetic.Tests.Language;

/// <summary><c>--pos</c> and <c>--corpus brown</c> through the command line.</summary>
public sealed class LanguageCorpusCliTests(LanguageTestData data) : IClassFixture<LanguageTestData>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-corpuscli-").FullName;

    private static string[] Micro => ["--model", "gpt-micro", "--batch-size", "4", "--warmup", "2", "--threads", "1", "--eval-windows", "8"];

    public void Dispose() => Directory.Delete(root, recursive: true);

    [SkippableFact]
    public void SinCosRunsStoreTheirPositionsResumeToTheSameWeightsAndSample()
    {
        data.RequireData();
        string[] common = ["lm-train", "--text", data.TextPath, .. Micro, "--pos", "sincos", "--steps", "20", "--eval-interval", "10", "--init", "mimetic"];
        var straight = Path.Combine(root, "straight");
        var split = Path.Combine(root, "split");
        var (code, output) = CliRunner.Run([.. common, "--out", straight]);
        Assert.True(code == 0, output);
        Assert.Equal(130, CliRunner.Run([.. common, "--out", split, "--until-step", "13"]).ExitCode);
        var (resumed, resumeOutput) = CliRunner.Run("lm-train", "--resume", split);
        Assert.True(resumed == 0, resumeOutput);

        var config = new RunFiles(split).ReadConfig<LanguageTrainingConfig>();
        Assert.Equal("sincos", config.Position);
        Assert.Equal(LanguageTrainingConfig.TextCorpus, config.Corpus);
        var left = Safetensors.Open(new RunFiles(straight).WeightsPath(2)).ReadAll();
        var right = Safetensors.Open(new RunFiles(split).WeightsPath(2)).ReadAll();
        Assert.All(left, p => Assert.True(p.Value.Identical(right[p.Key]), p.Key));
        using var table = GptPositions.SinCos(32, 32);
        Assert.True(left["pos_embed"].Identical(table), "the saved table is not the fixed one");

        var (sampled, text) = CliRunner.Run("sample", "--run", split, "--prompt", "KING", "--tokens", "20", "--seed", "1");
        Assert.True(sampled == 0, text);
        Assert.StartsWith("KING", text.Split('\n', 2)[1], StringComparison.Ordinal);
    }

    [SkippableFact]
    public void BrownWithWordTokensTrainsResumesAndSamples()
    {
        RealData.RequireFile(ArchiveSpec.BrownCorpus.FileName, Path.Combine(root, "cache"));   // the cache WithCache gives the runs
        var run = Path.Combine(root, "brown");
        var (code, output) = WithCache(() => CliRunner.Run(
            ["lm-train", "--corpus", "brown", "--tokenizer", "word", .. Micro, "--steps", "4", "--eval-interval", "2", "--out", run]));
        Assert.True(code == 0, output);
        Assert.Contains("vocabulary 10,002", output, StringComparison.Ordinal);

        var files = new RunFiles(run);
        var config = files.ReadConfig<LanguageTrainingConfig>();
        Assert.Equal(BrownCorpus.Name, config.Corpus);
        Assert.Equal("410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2", config.TextSha256);
        using (var tokenizer = JsonDocument.Parse(File.ReadAllText(files.TokenizerPath)))
        {
            Assert.Equal("word", tokenizer.RootElement.GetProperty("Kind").GetString());
            Assert.Equal(10_002, tokenizer.RootElement.GetProperty("Symbols").GetArrayLength());
        }

        var (more, moreOutput) = WithCache(() => CliRunner.Run("lm-train", "--resume", run, "--steps", "6"));   // the saved config rules: no other option is needed (or taken)
        Assert.True(more == 0, moreOutput);
        Assert.Contains("read from the token cache", moreOutput, StringComparison.Ordinal);

        var (sampled, text) = CliRunner.Run("sample", "--run", run, "--prompt", "The jury said", "--tokens", "12", "--seed", "2");
        Assert.True(sampled == 0, text);
        var generated = text.Split('\n', 2)[1];
        Assert.StartsWith("The jury said", generated, StringComparison.Ordinal);
        Assert.True(generated.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 4, generated);
    }

    [SkippableFact]
    public void ACorruptBrownTarballIsOneErrorLineNamingTheFile()
    {
        var real = RealData.RequireFile(ArchiveSpec.BrownCorpus.FileName, Path.Combine(root, "cache"));
        var dataFolder = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        var archive = Path.Combine(dataFolder, ArchiveSpec.BrownCorpus.FileName);
        var bytes = File.ReadAllBytes(real);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 3)]);

        var result = WithCache(() => CliRunner.Run(["lm-train", "--corpus", "brown", "--tokenizer", "word", "--data", dataFolder, .. Micro, "--steps", "2"]));
        var (code, output) = (result.ExitCode, result.Error);

        Assert.Equal(2, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(archive, error, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("'wiki'", "--corpus", "wiki")]
    [InlineData("'rotary'", "--pos", "rotary")]
    [InlineData("--corpus brown", "--tokenizer", "word")]
    [InlineData("--text", "--corpus", "brown", "--text", "x.txt")]
    [InlineData("--train-fraction", "--corpus", "brown", "--train-fraction", "0.8")]
    public void BadCorpusTokenizerOrPositionChoicesAreUsageErrors(string named, params string[] options)
    {
        // No warm-up, so that the option under test, not the warm-up check, is what fails.
        var result = CliRunner.Run(["lm-train", .. options, "--steps", "1", "--warmup", "0"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error:", result.Error.Trim(), StringComparison.Ordinal);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }

    /// <summary>Runs with a fresh cache folder (extractions and token ids), restoring the environment after.</summary>
    private T WithCache<T>(Func<T> action)
    {
        var previous = Environment.GetEnvironmentVariable(DatasetLocator.CacheEnvironmentVariable);
        Environment.SetEnvironmentVariable(DatasetLocator.CacheEnvironmentVariable, Path.Combine(root, "cache"));
        try
        {
            return action();
        }
        finally
        {
            Environment.SetEnvironmentVariable(DatasetLocator.CacheEnvironmentVariable, previous);
        }
    }
}
