namespace Mimetic.Data;

/// <summary>
/// A problem with a data set or its files: missing, corrupt, truncated or unsafe input.
/// The message is always a single line, so a command-line tool can print it as it is.
/// </summary>
public class DataException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DataException()
        : base("a data set could not be loaded")
    {
    }

    /// <summary>Creates an exception with a one-line message.</summary>
    /// <param name="message">What went wrong, on one line.</param>
    public DataException(string message)
        : base(OneLine(message))
    {
    }

    /// <summary>Creates an exception with a one-line message and the exception that caused it.</summary>
    /// <param name="message">What went wrong, on one line.</param>
    /// <param name="innerException">The underlying cause.</param>
    public DataException(string message, Exception innerException)
        : base(OneLine(message), innerException)
    {
    }

    private static string OneLine(string message) =>
        message.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
