using System.Diagnostics;
using static TorchSharp.torch;

namespace Mimetic.Tests.Cli;

/// <summary><c>--device</c> on the commands that run a model without training it (init, sample, bench).</summary>
public sealed class DeviceCliTests
{
    [Theory]
    [InlineData("init", "--model", "vit-micro", "--device", "cuda")]
    [InlineData("init", "--model", "vit-micro", "--device", "cuda:1", "--json")]
    [InlineData("sample", "--run", "/nonexistent/run", "--device", "cuda")]
    public void CudaWhereItIsNotAvailableIsOneErrorLineNamingTheBackendPackage(params string[] args)
    {
        Assert.False(cuda.is_available(), "these tests expect the CPU backend (libtorch-cpu)");
        var result = CliRunner.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", line, StringComparison.Ordinal);
        Assert.Contains("libtorch-cuda-12.8-linux-x64", line, StringComparison.Ordinal);
        Assert.Contains("-p:TorchBackend=cuda", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCommandItselfWritesTheCudaErrorAsOneUnwrappedLineOnStandardError()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Mimetic.Cli.dll"), "init", "--model", "vit-micro", "--device", "cuda" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var reads = await Task.WhenAll(process.StandardOutput.ReadToEndAsync(timeout.Token), process.StandardError.ReadToEndAsync(timeout.Token));
        await process.WaitForExitAsync(timeout.Token);
        var (output, error) = (reads[0], reads[1]);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: device 'cuda': CUDA is not available", line, StringComparison.Ordinal);
        Assert.EndsWith("(here: build with -p:TorchBackend=cuda), or cpu", line.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("init", "--device", "gpu")]
    [InlineData("sample", "--run", ".", "--device", "cuda:")]
    [InlineData("bench", "--device", "tpu")]
    public void AnUnknownDeviceIsAUsageError(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: unknown --device", line, StringComparison.Ordinal);
        Assert.Contains("auto | cpu | cuda | cuda:N", line, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchRefusesCudaAsItMeasuresTheCpuOnly()
    {
        var result = CliRunner.Run("bench", "--device", "cuda", "--no-init");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: bench measures the CPU only", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void InitOnTheCpuPrintsItsDeviceAndGivesTheSameWeightsAsAuto()
    {
        var (code, table) = CliRunner.Run("init", "--model", "vit-micro", "--seed", "2", "--device", "cpu");
        Assert.Equal(0, code);
        Assert.StartsWith("device: cpu", table, StringComparison.Ordinal);

        var (cpuCode, onCpu) = CliRunner.Run("init", "--model", "vit-micro", "--seed", "2", "--device", "cpu", "--json");
        var (autoCode, onAuto) = CliRunner.Run("init", "--model", "vit-micro", "--seed", "2", "--json");
        Assert.Equal((0, 0), (cpuCode, autoCode));
        using var json = System.Text.Json.JsonDocument.Parse(onCpu);
        Assert.Equal("cpu", json.RootElement.GetProperty("Device").GetString());
        Assert.Equal(onCpu, onAuto); // auto is the CPU here, and the statistics are the same to the last digit
    }
}
