namespace Mimetic.Cli;

/// <summary>A command line that cannot be run as written (unknown command or option). The message is one line, fit to show a user.</summary>
public sealed class UsageException(string message) : Exception(message);
