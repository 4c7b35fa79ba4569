using System.Diagnostics;
using Xunit.Sdk;

namespace Mimetic.Tests.Cluster;

/// <summary>
/// The job-runner tests (Slurm, GNU parallel) skip with a one-line reason where their tools cannot run here, or fail
/// with it when <c>MIMETIC_REQUIRE_CLUSTER=1</c> (CI sets it after <c>scripts/install-prereqs.sh --cluster-tools</c>).
/// </summary>
internal static class ClusterTools
{
    /// <summary>The environment variable that turns an unavailable cluster from a skip into a failure.</summary>
    public const string RequireEnvironmentVariable = "MIMETIC_REQUIRE_CLUSTER";

    /// <summary>Whether an unavailable cluster fails the tests (<c>MIMETIC_REQUIRE_CLUSTER=1</c>).</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireEnvironmentVariable) == "1";

    /// <summary>The exception that skips the running test, or fails it if the cluster is required.</summary>
    public static Exception Unavailable(string reason) => Required
        ? new XunitException($"{reason} ({RequireEnvironmentVariable}=1: the cluster tests are required)")
        : new Xunit.SkipException($"cluster tools unavailable: {reason}");

    /// <summary>Skips (or fails) unless every program is on PATH or at its absolute path.</summary>
    public static void Require(params string[] programs)
    {
        var missing = programs.Where(p => Find(p) is null).ToList();
        if (missing.Count > 0)
        {
            throw Unavailable($"{string.Join(", ", missing)} not found (scripts/install-prereqs.sh --cluster-tools installs Debian's slurm-wlm, munge and parallel)");
        }
    }

    /// <summary>The full path of <paramref name="program"/>, looked for on PATH and in /usr/sbin, or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/sbin")
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>The built CLI as a command line: <c>dotnet …/Mimetic.Cli.dll</c>.</summary>
    public static string Launcher => "dotnet " + Path.Combine(AppContext.BaseDirectory, "Mimetic.Cli.dll");

    /// <summary>Runs <c>bash -c <paramref name="command"/></c> in <paramref name="directory"/>, waiting at most <paramref name="timeout"/>.</summary>
    public static ProcessResult Bash(string command, string directory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(command, directory, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new XunitException($"'{command}' did not finish within {timeout.TotalSeconds:0} s; it printed: {output.Result}{error.Result}");
        }

        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts <c>bash -c <paramref name="command"/></c> in <paramref name="directory"/> with its output redirected.</summary>
    public static Process Start(string command, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment.Remove("MIMETIC_DEBUG");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }
}

/// <summary>What a process printed and how it ended.</summary>
internal sealed record ProcessResult(int Code, string Output, string Error)
{
    /// <summary>Both streams, for failure messages.</summary>
    public string Text => Output + Error;
}
