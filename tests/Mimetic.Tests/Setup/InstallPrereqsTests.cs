using System.Diagnostics;

namespace Mimetic.Tests.Setup;

/// <summary>
/// scripts/install-prereqs.sh's decisions (issue 24, "an honest setup"), without changing this machine: the script runs
/// against a fake system root (<c>MIMETIC_PREREQS_ROOT</c>: a Debian 12 os-release, a libstdc++ with or without the
/// symbol) with a fake <c>apt-get</c> on PATH that records its arguments and prints a canned simulation, and a fake
/// <c>id</c> that says root.
/// </summary>
public sealed class InstallPrereqsTests : IDisposable
{
    private const string Simulation = """
        NOTE: This is only a simulation!
        Inst libc6 [2.36-9+deb12u10] (2.41-12 Debian:13.2/stable [amd64]) []
        Inst libc-bin [2.36-9+deb12u10] (2.41-12 Debian:13.2/stable [amd64])
        Inst libstdc++6 [12.2.0-14+deb12u1] (14.2.0-19 Debian:13.2/stable [amd64])
        Conf libc6 (2.41-12 Debian:13.2/stable [amd64])
        """;

    private const string ClusterSimulation = """
        Inst munge (0.5.15-2+deb12u1 Debian:12.12/oldstable [amd64])
        Inst parallel (20221122+ds-2 Debian:12.12/oldstable [all])
        Inst slurm-wlm (22.05.8-4+deb12u3 Debian:12.12/oldstable [amd64])
        """;

    private readonly string root = Directory.CreateTempSubdirectory("mimetic-prereqs-").FullName;

    private string System => Path.Combine(root, "system");

    private string Library => Path.Combine(System, "usr", "lib", "x86_64-linux-gnu", "libstdc++.so.6");

    private string AptLog => Path.Combine(root, "apt.log");

    public InstallPrereqsTests()
    {
        var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        Directory.CreateDirectory(Path.GetDirectoryName(Library)!);
        Directory.CreateDirectory(Path.Combine(System, "etc", "apt", "sources.list.d"));
        Directory.CreateDirectory(Path.Combine(System, "usr", "share", "datasets", "fashion-mnist"));
        File.WriteAllText(Path.Combine(System, "usr", "share", "datasets", "fashion-mnist", "t10k-labels-idx1-ubyte.gz"), "");
        File.WriteAllText(Path.Combine(System, "etc", "os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        File.WriteAllText(Library, "GLIBCXX_3.4.29 GLIBCXX_3.4.30");
        File.WriteAllText(Path.Combine(root, "simulation.txt"), Simulation + "\n");
        File.WriteAllText(Path.Combine(root, "cluster-simulation.txt"), ClusterSimulation + "\n");
        Script(Path.Combine(bin, "id"), "echo 0");
        // Records every call; -s prints the canned simulation (FAKE_SLASH_FAILS: the libstdc++6/trixie way fails, as
        // when apt cannot resolve it); a real install of libstdc++6 gives the fake library the symbol.
        Script(Path.Combine(bin, "apt-get"), """
            echo "$*" >> "$FAKE_APT_LOG"
            case " $* " in
              *" -s "*)
                case " $* " in
                  *" libstdc++6/trixie "*) [ -n "${FAKE_SLASH_FAILS:-}" ] && { echo "E: Unable to correct problems"; exit 100; } ;;
                esac
                case " $* " in
                  *" slurm-wlm "*) cat "$FAKE_CLUSTER_SIMULATION" ;;
                  *" -t trixie "*) cat "${FAKE_TARGET_SIMULATION:-$FAKE_SIMULATION}" ;;
                  *) cat "$FAKE_SIMULATION" ;;
                esac ;;
              *" install "*)
                case " $* " in *libstdc++6*) echo "GLIBCXX_3.4.32" >> "$FAKE_LIB" ;; esac
                case " $* " in *" slurm-wlm "*)
                  mkdir -p "$MIMETIC_PREREQS_ROOT/usr/bin" "$MIMETIC_PREREQS_ROOT/usr/sbin"
                  for p in usr/bin/sbatch usr/sbin/slurmctld usr/sbin/slurmd usr/sbin/munged usr/bin/parallel; do
                    printf '#!/bin/sh\n' > "$MIMETIC_PREREQS_ROOT/$p"; chmod +x "$MIMETIC_PREREQS_ROOT/$p"
                  done ;;
                esac ;;
            esac
            exit 0
            """);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void WithEverythingPresentItOnlyChecksAndChangesNothing()
    {
        File.WriteAllText(Library, "GLIBCXX_3.4.30 GLIBCXX_3.4.32");

        var result = Run();

        Assert.True(result.Code == 0, result.Text);
        Assert.Contains("provides GLIBCXX_3.4.32: ok", result.Output, StringComparison.Ordinal);
        Assert.Contains("nothing to do", result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
        Assert.False(File.Exists(AptLog), "apt-get was called");
    }

    [Fact]
    public void WithoutATerminalOrAnOptInItListsTheChangesAndRefuses()
    {
        var result = Run();

        Assert.Equal(1, result.Code);
        Assert.Contains("  libc6 2.36-9+deb12u10 → 2.41-12", result.Output, StringComparison.Ordinal);
        Assert.Contains("  libstdc++6 12.2.0-14+deb12u1 → 14.2.0-19", result.Output, StringComparison.Ordinal);
        Assert.Contains("mimetic-trixie.sources (the Debian 13 apt source)", result.Output, StringComparison.Ordinal);
        Assert.Contains("packages to install or upgrade: 3", result.Output, StringComparison.Ordinal);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("install-prereqs: error: not changing the system without consent", error, StringComparison.Ordinal);
        Assert.Contains("MIMETIC_ALLOW_SYSTEM_CHANGES=1", error, StringComparison.Ordinal);
        AssertNothingInstalled();
    }

    [Fact]
    public void TheSimulationAndItsListsStayInATemporaryFolder()
    {
        Run();

        var calls = File.ReadAllLines(AptLog);
        Assert.Contains(calls, c => c.Contains("update", StringComparison.Ordinal) && c.Contains("Dir::State::Lists=/", StringComparison.Ordinal));
        Assert.All(calls, c => Assert.Contains("Dir::Etc::SourceParts=", c, StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Contains("-s install --no-install-recommends", StringComparison.Ordinal) && c.EndsWith(" libstdc++6/trixie", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("MIMETIC_ALLOW_SYSTEM_CHANGES", "1", "MIMETIC_ALLOW_SYSTEM_CHANGES=1: going ahead without asking")]
    [InlineData("CI", "true", "CI is set: going ahead without asking")]
    public void WithAnOptInItInstallsTheFewestPackagesAndSaysWhatItDid(string variable, string value, string announced)
    {
        var result = Run(environment: new() { [variable] = value });

        Assert.True(result.Code == 0, result.Text);
        Assert.Contains(announced, result.Output, StringComparison.Ordinal);
        var install = Assert.Single(File.ReadAllLines(AptLog), c => !IsSimulation(c) && c.Contains("install", StringComparison.Ordinal));
        Assert.EndsWith("install -y -qq --no-install-recommends libstdc++6/trixie", install, StringComparison.Ordinal);
        var changed = result.Output[result.Output.IndexOf("install-prereqs: changed:", StringComparison.Ordinal)..];
        Assert.Contains("  libc6 2.36-9+deb12u10 → 2.41-12", changed, StringComparison.Ordinal);
        Assert.Contains("libstdc++ now provides GLIBCXX_3.4.32", result.Output, StringComparison.Ordinal);
        Assert.Contains("Pin-Priority: 100", File.ReadAllText(Path.Combine(System, "etc", "apt", "preferences.d", "mimetic-trixie-pin")), StringComparison.Ordinal);
        Assert.Contains("Suites: trixie", File.ReadAllText(Path.Combine(System, "etc", "apt", "sources.list.d", "mimetic-trixie.sources")), StringComparison.Ordinal);

        File.Delete(AptLog);
        var again = Run(environment: new() { [variable] = value });
        Assert.Equal(0, again.Code);
        Assert.Contains("nothing to do", again.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(AptLog), "a second run called apt-get");
    }

    [Fact]
    public void WhenTheNarrowWayCannotBeResolvedItFallsBackToTheTrixieTargetRelease()
    {
        var result = Run(environment: new() { ["MIMETIC_ALLOW_SYSTEM_CHANGES"] = "1", ["FAKE_SLASH_FAILS"] = "1" });

        Assert.True(result.Code == 0, result.Text);
        Assert.Contains(File.ReadAllLines(AptLog), c => c.EndsWith("install -y -qq --no-install-recommends -t trixie libstdc++6", StringComparison.Ordinal));
    }

    [Fact]
    public void OfTheTwoWaysItTakesTheOneThatChangesFewerPackages()
    {
        var narrower = Path.Combine(root, "target-simulation.txt");
        File.WriteAllText(narrower, "Inst libstdc++6 [12.2.0-14+deb12u1] (14.2.0-19 Debian:13.2/stable [amd64])\n");

        var result = Run(environment: new() { ["MIMETIC_ALLOW_SYSTEM_CHANGES"] = "1", ["FAKE_TARGET_SIMULATION"] = narrower });

        Assert.True(result.Code == 0, result.Text);
        Assert.Contains("packages to install or upgrade: 1", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("libc6", result.Output, StringComparison.Ordinal);
        Assert.Contains(File.ReadAllLines(AptLog), c => c.EndsWith("install -y -qq --no-install-recommends -t trixie libstdc++6", StringComparison.Ordinal));
    }

    [Fact]
    public void HelpPrintsTheWholeHeader()
    {
        var result = Run(arguments: ["--help"]);

        Assert.Equal(0, result.Code);
        Assert.StartsWith("Installs what Mimetic needs", result.Output, StringComparison.Ordinal);
        Assert.Contains("It also checks for the .NET 10 SDK.", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("set -euo", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n", false)]
    [InlineData("", false)]
    [InlineData("y", true)]
    public void OnATerminalItAsksAndOnlyYesChangesTheSystem(string answer, bool installs)
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "util-linux's script (which gives the script a terminal) is not installed");

        var result = Run(answer + "\n", terminal: true);

        Assert.Contains("go ahead? [y/N]", result.Output, StringComparison.Ordinal);
        Assert.Contains("  libc6 2.36-9+deb12u10 → 2.41-12", result.Output, StringComparison.Ordinal);
        if (installs)
        {
            Assert.True(result.Code == 0, result.Text);
            Assert.Contains("libstdc++ now provides GLIBCXX_3.4.32", result.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(result.Code == 1, result.Text);
            Assert.Contains("nothing was changed", result.Output, StringComparison.Ordinal);
            AssertNothingInstalled();
        }
    }

    [Fact]
    public void ClusterToolsAreInstalledOnlyWhenAskedForAndListedLikeTheRest()
    {
        File.WriteAllText(Library, "GLIBCXX_3.4.32");
        var plain = Run(environment: new() { ["MIMETIC_ALLOW_SYSTEM_CHANGES"] = "1" });
        Assert.Equal(0, plain.Code);
        Assert.DoesNotContain("slurm", plain.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(AptLog), "apt-get was called without --cluster-tools");

        var refused = Run(arguments: ["--cluster-tools"]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("  slurm-wlm (new) 22.05.8-4+deb12u3", refused.Output, StringComparison.Ordinal);
        Assert.Contains("  munge (new) 0.5.15-2+deb12u1", refused.Output, StringComparison.Ordinal);
        AssertNothingInstalled();

        var result = Run(arguments: ["--cluster-tools"], environment: new() { ["MIMETIC_ALLOW_SYSTEM_CHANGES"] = "1" });
        Assert.True(result.Code == 0, result.Text);
        Assert.Contains(File.ReadAllLines(AptLog), c => c.EndsWith("install -y -qq --no-install-recommends slurm-wlm munge parallel", StringComparison.Ordinal));
        Assert.Contains("slurm-wlm, munge and parallel installed", result.Output, StringComparison.Ordinal);

        var again = Run(environment: new() { ["MIMETIC_CLUSTER_TOOLS"] = "1" });
        Assert.Equal(0, again.Code);
        Assert.Contains("slurm-wlm, munge and parallel are installed: ok", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownArgumentIsOneError()
    {
        var result = Run(arguments: ["--clustr-tools"]);

        Assert.Equal(1, result.Code);
        Assert.Equal("install-prereqs: error: unknown argument '--clustr-tools' (the only option is --cluster-tools)\n", result.Error);
        Assert.False(File.Exists(AptLog));
    }

    private void AssertNothingInstalled()
    {
        var calls = File.Exists(AptLog) ? File.ReadAllLines(AptLog) : [];
        Assert.DoesNotContain(calls, c => c.Contains("install", StringComparison.Ordinal) && !IsSimulation(c));
        Assert.DoesNotContain(calls, c => c.Contains("update", StringComparison.Ordinal) && !c.Contains("Dir::State::Lists=", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(System, "etc", "apt", "sources.list.d", "mimetic-trixie.sources")));
        Assert.False(File.Exists(Path.Combine(System, "etc", "apt", "preferences.d", "mimetic-trixie-pin")));
        Assert.DoesNotContain("GLIBCXX_3.4.32\n", File.ReadAllText(Library), StringComparison.Ordinal);   // what the fake install appends
    }

    private static bool IsSimulation(string call) => call.StartsWith("-s ", StringComparison.Ordinal);

    private sealed record ScriptResult(int Code, string Output, string Error)
    {
        public string Text => Output + Error;
    }

    private ScriptResult Run(string input = "", bool terminal = false, string[]? arguments = null, Dictionary<string, string>? environment = null)
    {
        var repository = Mimetic.Data.DatasetLocator.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var script = Path.Combine(repository, "scripts", "install-prereqs.sh");
        var start = new ProcessStartInfo(terminal ? "/usr/bin/script" : "bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (terminal)
        {
            // script(1) runs the command on a new pseudo-terminal and passes our standard input to it.
            start.ArgumentList.Add("-qec");
            start.ArgumentList.Add($"bash '{script}' {string.Join(' ', arguments ?? [])}");
            start.ArgumentList.Add("/dev/null");
        }
        else
        {
            start.ArgumentList.Add(script);
            foreach (var argument in arguments ?? [])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var variable in new[] { "CI", "MIMETIC_ALLOW_SYSTEM_CHANGES", "MIMETIC_CLUSTER_TOOLS", "FAKE_SLASH_FAILS", "FAKE_TARGET_SIMULATION" })
        {
            start.Environment.Remove(variable);
        }

        start.Environment["PATH"] = Path.Combine(root, "bin") + ":" + start.Environment["PATH"];
        start.Environment["MIMETIC_PREREQS_ROOT"] = System;
        start.Environment["FAKE_APT_LOG"] = AptLog;
        start.Environment["FAKE_LIB"] = Library;
        start.Environment["FAKE_SIMULATION"] = Path.Combine(root, "simulation.txt");
        start.Environment["FAKE_CLUSTER_SIMULATION"] = Path.Combine(root, "cluster-simulation.txt");
        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "install-prereqs.sh did not finish within a minute");
        return new ScriptResult(process.ExitCode, output.Result.Replace("\r", "", StringComparison.Ordinal), error.Result);
    }

    private static void Script(string path, string body)
    {
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
