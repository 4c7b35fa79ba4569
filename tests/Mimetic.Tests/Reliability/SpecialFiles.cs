using System.Diagnostics;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>Named pipes for tests, and a CLI run that fails instead of hanging when something blocks on one.</summary>
internal static class SpecialFiles
{
    /// <summary>How long a command may take before the test calls it a hang.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    /// <summary>Makes a named pipe with <c>mkfifo</c> and returns its path.</summary>
    public static string Fifo(string path)
    {
        var start = new ProcessStartInfo("mkfifo") { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        Assert.True(process.WaitForExit(10_000), "mkfifo did not finish");
        Assert.True(process.ExitCode == 0, $"mkfifo failed: {process.StandardError.ReadToEnd()}");
        return path;
    }

    /// <summary>Whether the path is still a named pipe (nothing replaced it).</summary>
    public static bool IsFifo(string path) => Mimetic.Io.UserFile.KindOf(path) == Mimetic.Io.FileKind.Fifo;

    /// <summary>
    /// Runs the CLI in-process, failing the test if it takes longer than <see cref="HangLimit"/>. The pipes given are then
    /// opened for writing and closed, so a reader blocked on one wakes up (reads an empty file) and the test process can end.
    /// </summary>
    public static CliResult RunWithin(string[] pipes, params string[] args)
    {
        var run = Task.Run(() => CliRunner.Run(args));
        if (run.Wait(HangLimit))
        {
            return run.Result;
        }

        foreach (var pipe in pipes)
        {
            using var release = new FileStream(pipe, FileMode.Open, FileAccess.ReadWrite);
        }

        Assert.Fail($"'mimetic {string.Join(' ', args)}' hung on a special file for more than {HangLimit.TotalSeconds} s");
        return null!;
    }
}
