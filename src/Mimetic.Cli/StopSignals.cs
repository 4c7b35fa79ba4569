using System.Runtime.InteropServices;
using Spectre.Console;

namespace Mimetic.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM — what <c>docker stop</c>, Slurm and systemd send — ask the run to stop after the
/// current step and save a checkpoint; a second signal exits at once. The exit code says which one stopped it.
/// </summary>
public sealed class StopSignals : IDisposable
{
    /// <summary>Exit code of a run stopped by Ctrl-C (128 + SIGINT), or by <c>--until-epoch</c>/<c>--until-step</c>.</summary>
    public const int Interrupted = 130;

    /// <summary>Exit code of a run stopped by SIGTERM (128 + 15).</summary>
    public const int Terminated = 143;

    private readonly CancellationTokenSource source = new();
    private readonly IAnsiConsole console;
    private readonly PosixSignalRegistration? terminate;
    private int signals;
    private int lastSignal = Interrupted;

    /// <summary>Starts listening for Ctrl-C and SIGTERM.</summary>
    public StopSignals(IAnsiConsole console)
    {
        this.console = console;
        Console.CancelKeyPress += OnCancel;
        if (!OperatingSystem.IsWindows())
        {
            terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
        }
    }

    /// <summary>Cancelled on the first signal.</summary>
    public CancellationToken Token => source.Token;

    /// <summary>The exit code of a stopped run: 143 after SIGTERM, else 130.</summary>
    public int StoppedExitCode => lastSignal;

    /// <summary>Sends this process's own handler the stop a signal would (for tests).</summary>
    public void Request(int exitCode) => Stop(exitCode, "stop requested");

    /// <inheritdoc />
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        terminate?.Dispose();
        source.Dispose();
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (Stop(Interrupted, "Ctrl-C"))
        {
            e.Cancel = true;
        }
    }

    private void OnTerminate(PosixSignalContext context)
    {
        if (Stop(Terminated, "SIGTERM"))
        {
            context.Cancel = true;   // the first one: finish the step, save, exit 143
        }
    }

    private bool Stop(int exitCode, string what)
    {
        if (Interlocked.Increment(ref signals) != 1)
        {
            return false;
        }

        lastSignal = exitCode;
        console.MarkupLine($"[yellow]{Markup.Escape(what)}: stopping after this step and saving a checkpoint (signal again to quit at once)[/]");
        source.Cancel();
        return true;
    }
}
