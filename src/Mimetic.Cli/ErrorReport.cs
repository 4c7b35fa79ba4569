using Mimetic.Io;
using Spectre.Console.Cli;

namespace Mimetic.Cli;

/// <summary>
/// Turns an exception into one clear line on standard error and an exit code: <c>error: </c> and a sentence that names
/// the file or option at fault, never wrapped, never an exception type name or a stack trace (unless
/// <c>MIMETIC_DEBUG=1</c>, which adds the full exception after the line).
/// </summary>
public static class ErrorReport
{
    /// <summary>Exit code for bad usage or input.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a failure while working.</summary>
    public const int Failure = 1;

    /// <summary>The environment variable that, set to 1, adds the stack trace after the error line.</summary>
    public const string DebugEnvironmentVariable = "MIMETIC_DEBUG";

    /// <summary>Writes the error's one-line explanation to <paramref name="errors"/> and returns the exit code.</summary>
    public static int Print(Exception error, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(errors);
        var (message, code) = Explain(error);
        errors.WriteLine($"error: {message}");
        if (Environment.GetEnvironmentVariable(DebugEnvironmentVariable) == "1")
        {
            errors.WriteLine(error.ToString());
        }

        errors.Flush();
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

        var (message, code) = error switch
        {
            UsageException e => (e.Message, UsageError),
            CommandAppException e => (e.Message, UsageError),
            ArgumentException e => (e.Message, UsageError),
            Studies.StudyException e => (e.Message, UsageError),
            Training.RunLockedException e => (e.Message, Failure),
            InvalidModelFileException e => (e.Message, UsageError),
            NotARegularFileException e => (e.Message, UsageError),
            Data.DataException e => (e.Message, UsageError),
            InvalidDataException e => (e.Message, UsageError),
            FileNotFoundException e => ($"file not found: {e.FileName ?? e.Message}", UsageError),
            DirectoryNotFoundException e => (e.Message, UsageError),
            UnauthorizedAccessException e => (e.Message, Failure),
            IOException e => (e.Message, Failure),
            OutOfMemoryException => ("out of memory; use smaller sizes (batch, model, data subset)", Failure),
            _ => ($"unexpected failure: {OneLine(error.Message)} (set {DebugEnvironmentVariable}=1 for the stack trace)", Failure),
        };
        return (OneLine(message), code);
    }

    /// <summary>
    /// The first line of <paramref name="text"/>, without the <c> (Parameter 'x')</c> that <see cref="ArgumentException"/>
    /// appends and with control characters shown as <c>?</c>, so the message is exactly one line.
    /// </summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = text.Split('\n', 2)[0].Trim();
        var parameter = line.IndexOf(" (Parameter '", StringComparison.Ordinal);
        line = parameter > 0 ? line[..parameter] : line;
        return new string([.. line.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
