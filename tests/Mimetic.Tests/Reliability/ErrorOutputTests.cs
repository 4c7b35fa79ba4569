using Mimetic.Cli;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>Class 6 of issue 13 (output): errors go to standard error as one unwrapped line, without exception type names.</summary>
public sealed class ErrorOutputTests
{
    [Fact]
    public void ALongErrorIsOneLineOnStandardErrorWhateverTheConsoleWidth()
    {
        var result = CliRunner.Run(40, "lm-train", "--batch-size", "100000000");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.True(line.Length > 80, line);
        Assert.StartsWith("error: --batch-size 100,000,000 cannot fit in memory", line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void AnUnexpectedFailureNamesNoExceptionType()
    {
        var (message, code) = ErrorReport.Explain(new InvalidOperationException("the widget\nbroke"));

        Assert.Equal(ErrorReport.Failure, code);
        Assert.Equal("unexpected failure: the widget (set MIMETIC_DEBUG=1 for the stack trace)", message);
        Assert.DoesNotContain("Exception", ErrorReport.Explain(new ArgumentException("bad value", "x")).Message, StringComparison.Ordinal);
        Assert.Equal("bad value", ErrorReport.Explain(new ArgumentException("bad value", "x")).Message);
    }

    [Fact]
    public void DebugAddsTheStackTraceAfterTheLine()
    {
        var quiet = new StringWriter();
        var debug = new StringWriter();
        Exception error;
        try
        {
            throw new IOException("disk on fire");
        }
        catch (IOException e)
        {
            error = e;
        }

        ErrorReport.Print(error, quiet);
        Environment.SetEnvironmentVariable(ErrorReport.DebugEnvironmentVariable, "1");
        try
        {
            ErrorReport.Print(error, debug);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ErrorReport.DebugEnvironmentVariable, null);
        }

        Assert.Equal("error: disk on fire" + Environment.NewLine, quiet.ToString());
        Assert.StartsWith("error: disk on fire", debug.ToString(), StringComparison.Ordinal);
        Assert.Contains("   at ", debug.ToString(), StringComparison.Ordinal);
    }
}
