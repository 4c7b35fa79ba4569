namespace Mimetic.Cli;

/// <summary>Recognises TorchSharp's failure to load libtorch and names the cause and the fix.</summary>
public static class NativeLibraryCheck
{
    private const string Fix = "run scripts/install-prereqs.sh (as root on Debian 12) or see README 'Prerequisites'";

    /// <summary>A one-line explanation if <paramref name="error"/> is a native-library load failure, else null.</summary>
    public static string? Explain(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var chain = new List<Exception>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        var text = string.Join(" | ", chain.Select(e => e.Message));
        if (text.Contains("GLIBCXX", StringComparison.Ordinal))
        {
            return "TorchSharp could not load libtorch: this system's libstdc++ lacks GLIBCXX_3.4.32 (GCC 13+ is needed); " + Fix + ".";
        }

        var isLoadFailure = chain.Any(e => e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
            || (chain.Any(e => e is TypeInitializationException) && text.Contains("TorchSharp", StringComparison.Ordinal))
            || text.Contains("libtorch", StringComparison.OrdinalIgnoreCase) && text.Contains("load", StringComparison.OrdinalIgnoreCase);
        if (!isLoadFailure)
        {
            return null;
        }

        var innermost = chain[^1].Message.Split('\n', 2)[0].Trim();
        return $"TorchSharp could not load its native library ({innermost}); " + Fix + ".";
    }
}
