using System.Buffers.Binary;
using System.Text;
using Mimetic.Cli;
using Mimetic.Io;
using Mimetic.Language;
using Mimetic.Models;
using Mimetic.Tests.Cli;
using Mimetic.Training;
using static TorchSharp.torch;

namespace Mimetic.Tests.Reliability;

/// <summary>Class 5 of issue 13: sizes and values at the edges get a clear, bounded error before anything is written.</summary>
public sealed class EdgeInputTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-edges-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("--tokens must be between 1 and 100,000, not 2,000,000,000.", "--tokens", "2000000000")]
    [InlineData("--tokens must be between 1 and 100,000, not 0.", "--tokens", "0")]
    [InlineData("--temperature must be 0 (greedy) or between 0.001 and 1e6, not 1E-310.", "--temperature", "1e-310")]
    [InlineData("--temperature must be 0 (greedy) or between 0.001 and 1e6, not NaN.", "--temperature", "NaN")]
    [InlineData("--temperature must be 0 (greedy) or between 0.001 and 1e6, not -1.", "--temperature", "-1")]
    [InlineData("--top-k must be at least 1, not 0.", "--top-k", "0")]
    public void SamplingLimitsAreCheckedFirst(string expected, string option, string value)
    {
        var result = CliRunner.Run("sample", "--run", root, option, value);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal("error: " + expected, Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void ADivergedModelIsNotSampledFrom()
    {
        using var model = new Gpt(GptPresets.Get("gpt-micro", 10));
        using (no_grad())
        {
            model.parameters().First().fill_(double.NaN);
        }

        var error = Assert.Throws<InvalidDataException>(() => TextSampler.Generate(model, [1, 2], new SamplingOptions(Tokens: 3)));
        Assert.Contains("not finite", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train", "vit-micro")]
    [InlineData("lm-train", "gpt-micro")]
    public void ABatchThatCannotFitIsRefusedBeforeTheRunFolderExists(string command, string model)
    {
        var run = Path.Combine(root, "run");

        var result = CliRunner.Run(command, "--model", model, "--batch-size", "100000000", "--out", run);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Matches(@"^error: --batch-size 100,000,000 cannot fit in memory: one training step of .* needs at least .* use a batch size of at most [\d,]+\.$", Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void AWarmUpLongerThanTheRunNamesBothOptions()
    {
        var text = Path.Combine(root, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("to be or not to be, that is the question. ", 200)));
        var run = Path.Combine(root, "run");

        var result = CliRunner.Run("lm-train", "--text", text, "--model", "gpt-micro", "--steps", "10", "--out", run);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("error: Invalid language training config: warm-up (100 steps, --warmup) must be between 0 and the number of steps (10, --steps).", Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("vit-micro")]
    [InlineData("gpt-micro")]
    public void BenchRefusesABatchThatCannotFit(string model)
    {
        var result = CliRunner.Run("bench", "--model", model, "--batch-size", "100000000", "--no-init");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.StartsWith("error: --batch-size 100,000,000 cannot fit in memory", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void TheBatchBoundIsTheLargestBatchThatFits()
    {
        var gpt = GptPresets.Get("gpt-micro", 65);
        var perWindow = StepMemory.PerWindowBytes(gpt);

        StepMemory.RequireBatchFits(10, gpt.ContextLength, perWindow, "gpt-micro", availableBytes: 10 * perWindow);
        var error = Assert.Throws<ArgumentException>(() => StepMemory.RequireBatchFits(11, gpt.ContextLength, perWindow, "gpt-micro", availableBytes: 10 * perWindow));
        Assert.EndsWith("use a batch size of at most 10.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => StepMemory.RequireBatchFits(int.MaxValue / 4, 8, 1, "x", availableBytes: long.MaxValue));
    }

    [Fact]
    public void InitOutToAFolderFailsAndLeavesNoTemporaryFile()
    {
        var folder = Path.Combine(root, "out");
        Directory.CreateDirectory(folder);

        var result = CliRunner.Run("init", "--model", "vit-micro", "--out", folder);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: '{folder}' is a folder; give a file name to write.", Assert.Single(result.ErrorLines));
        Assert.Equal([folder], Directory.GetFileSystemEntries(root));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void InitOutIntoAMissingFolderNamesIt()
    {
        var path = Path.Combine(root, "missing", "vit.safetensors");

        var result = CliRunner.Run("init", "--model", "vit-micro", "--out", path);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Contains($"the folder '{Path.Combine(root, "missing")}' does not exist", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTemporary()
    {
        var path = Path.Combine(root, "file.bin");
        File.WriteAllText(path, "old");

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.WriteByte(1);
            throw new IOException("disk full");
        }));

        Assert.Equal($"cannot write '{path}': disk full", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void InvalidUtf8InASafetensorsHeaderIsOneLineNamingTheFile()
    {
        var path = Path.Combine(root, "bad-utf8.safetensors");
        byte[] header = [.. "{\"a"u8, 0xFF, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8];
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        File.WriteAllBytes(path, [.. prefix, .. header, 0, 0, 0, 0]);

        var result = CliRunner.Run("analyze", path, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal("error: bad-utf8.safetensors is not a valid safetensors file: the header is not valid UTF-8 (at byte 11).", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void IntegerAttentionWeightsAreRefusedNotTabulated()
    {
        using var model = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), "mimetic", 0);
        var path = Path.Combine(root, "int32.safetensors");
        Safetensors.Write(path, model.state_dict().Select(p => (p.Key, p.Value.mul(1000).to(ScalarType.Int32))), new Dictionary<string, string> { ["mimetic.heads"] = "2" });

        var result = CliRunner.Run("analyze", path, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal(
            "error: int32.safetensors: tensor 'blocks.0.attn.qkv.weight' holds I32 values; weights must be floating point (F16, BF16, F32 or F64).",
            Assert.Single(result.ErrorLines));
        Assert.DoesNotContain("…", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.25, "  +0.250")]
    [InlineData(-12.5, "  -12.500")]
    [InlineData(1.5e12, "+1.5E+12")]
    [InlineData(-3e9, "-3.0E+9")]
    [InlineData(double.NaN, "NaN")]
    public void TableCellsStayNarrow(double value, string expected)
    {
        var cell = Mimetic.Cli.Commands.AnalysisTable.F(value);
        Assert.Equal(expected.Trim(), cell.Trim());
        Assert.True(cell.Length <= 8, cell);
    }
}
