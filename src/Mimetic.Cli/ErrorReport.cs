using Mimetic.Io;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli;

/// <summary>Turns an exception into one clear line and an exit code, never a stack trace.</summary>
public static class ErrorReport
{
    /// <summary>Exit code for bad usage or input.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a failure while working.</summary>
    public const int Failure = 1;

    /// <summary>Prints the error's one-line explanation and returns the exit code.</summary>
    public static int Print(Exception error, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(console);
        var (message, code) = Explain(error);
        console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        if (Environment.GetEnvironmentVariable("MIMETIC_DEBUG") == "1")
        {
            console.WriteException(error);
        }

        return code;
    }

    /// <summary>The one-line message and exit code for an exception.</summary>
    public static (string Message, int Code) Explain(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (NativeLibraryCheck.Explain(error) is { } native)
        {
            return (native, Failure);
        }

        return error switch
        {
            CommandAppException e => (FirstLine(e.Message), UsageError),
            ArgumentException e => (FirstLine(e.Message), UsageError),
            Studies.StudyException e => (FirstLine(e.Message), UsageError),
            Training.RunLockedException e => (FirstLine(e.Message), Failure),
            InvalidModelFileException e => (e.Message, UsageError),
            Data.DataException e => (FirstLine(e.Message), UsageError),
            InvalidDataException e => (FirstLine(e.Message), UsageError),
            FileNotFoundException e => ($"file not found: {e.FileName ?? FirstLine(e.Message)}", UsageError),
            DirectoryNotFoundException e => (FirstLine(e.Message), UsageError),
            UnauthorizedAccessException e => (FirstLine(e.Message), Failure),
            IOException e => (FirstLine(e.Message), Failure),
            _ => ($"{error.GetType().Name}: {FirstLine(error.Message)} (set MIMETIC_DEBUG=1 for details)", Failure),
        };
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        // ArgumentException appends " (Parameter 'x')"; users need the sentence, not the parameter name.
        var parameter = line.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return parameter > 0 ? line[..parameter] : line;
    }
}
