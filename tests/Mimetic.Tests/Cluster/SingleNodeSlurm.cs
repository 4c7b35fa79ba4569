using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mimetic.Tests.Cluster;

/// <summary>
/// A throw-away single-node Slurm cluster on loopback, from Debian's slurm-wlm and munge: a fresh munge key, socket and
/// slurm.conf in a temporary folder, munged, <c>slurmctld -D</c> and <c>slurmd -D</c> started in the foreground on free
/// ports. Client commands find it through <see cref="Environment"/> (<c>SLURM_CONF</c>). Disposing kills the daemons
/// and deletes the folder. Needs root (SlurmUser=root; slurmd starts jobs as their user).
/// </summary>
internal sealed class SingleNodeSlurm : IDisposable
{
    private readonly List<Process> daemons = [];

    private SingleNodeSlurm(string directory) => Directory = directory;

    /// <summary>The cluster's folder: slurm.conf, munge key and socket, state, spool and logs.</summary>
    public string Directory { get; }

    /// <summary>What a client command needs to reach this cluster.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(Directory, "slurm.conf") };

    /// <summary>Starts the cluster and waits until its node is idle; skips (or fails) the test where it cannot.</summary>
    /// <param name="cpus">The node's CPUs.</param>
    /// <param name="memoryMegabytes">The node's memory for scheduling (not enforced: no cgroups).</param>
    public static SingleNodeSlurm Start(int cpus, int memoryMegabytes)
    {
        ClusterTools.Require("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo");
        if (System.Environment.UserName != "root")
        {
            throw ClusterTools.Unavailable("the single-node Slurm cluster runs its daemons as root (SlurmUser=root); this test runs as " + System.Environment.UserName);
        }

        var cluster = new SingleNodeSlurm(System.IO.Directory.CreateTempSubdirectory("mimetic-slurm-cluster-").FullName);
        try
        {
            cluster.Boot(cpus, memoryMegabytes);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>The daemons' logs, for a failure message.</summary>
    public string Logs()
    {
        var logs = Path.Combine(Directory, "log");
        return string.Join("\n", System.IO.Directory.Exists(logs)
            ? System.IO.Directory.GetFiles(logs).Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{Tail(File.ReadAllText(f))}")
            : []);
    }

    /// <summary>Waits until no job is pending or running; false if <paramref name="timeout"/> passed first.</summary>
    public bool WaitForEmptyQueue(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var queue = ClusterTools.Bash("squeue -h -o %i", Directory, TimeSpan.FromSeconds(30), Environment);
            if (queue.Code == 0 && queue.Output.Trim().Length == 0)
            {
                return true;
            }

            Thread.Sleep(1000);
        }

        return false;
    }

    public void Dispose()
    {
        foreach (var daemon in Enumerable.Reverse(daemons))
        {
            try
            {
                if (!daemon.HasExited)
                {
                    daemon.Kill(entireProcessTree: true);
                    daemon.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            daemon.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a job step may still be releasing a file; the folder is in /tmp
        }
    }

    private void Boot(int cpus, int memoryMegabytes)
    {
        var munge = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "munge")).FullName;
        foreach (var folder in new[] { "state", "spool", "log" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, folder));
        }

        // munged refuses keys and sockets that others could reach: the folders are root's alone (the socket folder readable).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            File.SetUnixFileMode(munge, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        var key = Path.Combine(munge, "munge.key");
        var socket = Path.Combine(munge, "munge.socket");
        Run($"mungekey --create --keyfile='{key}'");
        Daemon("munged", $"munged --foreground --force --key-file='{key}' --socket='{socket}' --pid-file='{munge}/munged.pid' "
            + $"--seed-file='{munge}/munged.seed' --log-file='{Directory}/log/munged.log'");
        WaitFor(() => File.Exists(socket), "munged made no socket");

        var log = Path.Combine(Directory, "log");
        File.WriteAllText(Path.Combine(Directory, "slurm.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            ClusterName=mimetic-test
            SlurmctldHost=localhost
            SlurmctldPort={FreePort()}
            SlurmdPort={FreePort()}
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            StateSaveLocation={Directory}/state
            SlurmdSpoolDir={Directory}/spool
            SlurmctldPidFile={Directory}/slurmctld.pid
            SlurmdPidFile={Directory}/slurmd.pid
            SlurmctldLogFile={log}/slurmctld.log
            SlurmdLogFile={log}/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU_Memory
            SchedulerType=sched/backfill
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            MpiDefault=none
            ReturnToService=2
            KillWait=5
            NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memoryMegabytes} State=UNKNOWN
            PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP

            """));
        var conf = Path.Combine(Directory, "slurm.conf");
        Daemon("slurmctld", $"slurmctld -D -i -f '{conf}'");
        Daemon("slurmd", $"slurmd -D -f '{conf}' -N localhost");
        WaitFor(() => ClusterTools.Bash("sinfo -h -o %t", Directory, TimeSpan.FromSeconds(30), Environment).Output.Trim() == "idle",
            "the node did not become idle");
    }

    private void Daemon(string name, string command)
    {
        // Foreground daemons, their output in log/<name>.out; bash exec keeps the process id ours to kill.
        var process = ClusterTools.Start($"exec {command} >'{Directory}/log/{name}.out' 2>&1", Directory);
        daemons.Add(process);
    }

    private void Run(string command)
    {
        var result = ClusterTools.Bash(command, Directory, TimeSpan.FromSeconds(30));
        if (result.Code != 0)
        {
            throw ClusterTools.Unavailable($"'{command}' failed: {result.Text.Trim()}");
        }
    }

    private void WaitFor(Func<bool> ready, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (ready())
            {
                return;
            }

            if (daemons.FirstOrDefault(d => d.HasExited) is { } dead)
            {
                throw ClusterTools.Unavailable($"a cluster daemon exited with {dead.ExitCode} while starting: {Logs().ReplaceLineEndings(" | ")}");
            }

            Thread.Sleep(500);
        }

        throw ClusterTools.Unavailable($"{failure} within 60 s: {Logs().ReplaceLineEndings(" | ")}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;
}
