using System.Diagnostics;

namespace Mimetic.Tests.Reliability;

/// <summary>Class 6 of issue 13 (output), end to end: the real process with its output redirected, as a script sees it.</summary>
public sealed class ProcessOutputTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-process-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void AnErrorIsOneLineOnStandardErrorAndNothingOnStandardOutput()
    {
        var (code, output, error) = Mimetic("train", "--train-szie", "200");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("error: unknown option '--train-szie' for 'train'; did you mean '--train-size'?\n", error);
    }

    [Fact]
    public void RedirectedOutputIsNotWrappedAtEightyColumns()
    {
        var folder = Path.Combine(root, new string('d', 90));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "vit-micro.safetensors");

        var (code, output, error) = Mimetic("init", "--model", "vit-micro", "--out", path);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains(output.Split('\n'), line => line.StartsWith("wrote " + path + " (", StringComparison.Ordinal));
    }

    private static (int Code, string Output, string Error) Mimetic(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mimetic.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("MIMETIC_DEBUG");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "mimetic did not finish within two minutes");
        return (process.ExitCode, output.Result, error.Result);
    }
}
