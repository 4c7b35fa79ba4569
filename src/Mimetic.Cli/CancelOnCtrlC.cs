using Spectre.Console;

namespace Mimetic.Cli;

/// <summary>The first Ctrl-C asks the run to stop after the current step and save; a second one exits at once.</summary>
public sealed class CancelOnCtrlC : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly IAnsiConsole console;
    private int presses;

    /// <summary>Starts listening for Ctrl-C.</summary>
    public CancelOnCtrlC(IAnsiConsole console)
    {
        this.console = console;
        Console.CancelKeyPress += OnCancel;
    }

    /// <summary>Cancelled on the first Ctrl-C.</summary>
    public CancellationToken Token => source.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        source.Dispose();
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (Interlocked.Increment(ref presses) == 1)
        {
            e.Cancel = true;
            console.MarkupLine("[yellow]stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)[/]");
            source.Cancel();
        }
    }
}
