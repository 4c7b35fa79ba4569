namespace Mimetic.Io;

/// <summary>
/// Writes files so they appear complete or not at all: the content goes to a uniquely named temporary sibling
/// (<c>.name.random.tmp</c>) that is renamed over the target only when fully written. On any failure the temporary
/// is deleted and the target is left as it was: no <c>.tmp</c> leftovers, whatever happens.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> from a stream.</summary>
    /// <param name="path">The file to write; its folder must exist and it must not be a folder.</param>
    /// <param name="write">Writes the content; the stream is flushed and closed afterwards.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is a folder.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException">Writing failed; the message names <paramref name="path"/>.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteVia(path, temporary =>
        {
            using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            write(stream);
        });
    }

    /// <summary>Writes <paramref name="path"/> with the bytes given.</summary>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, stream => stream.Write(bytes.Span));

    /// <summary>Writes <paramref name="path"/> with a writer that wants a file name (a library's own save call).</summary>
    /// <param name="path">The file to write; its folder must exist and it must not be a folder.</param>
    /// <param name="writeTo">Writes the content to the temporary file name it is given.</param>
    public static void WriteVia(string path, Action<string> writeTo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(writeTo);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ArgumentException($"'{path}' is a folder; give a file name to write.");
        }

        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' is not a file path.");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"cannot write '{path}': the folder '{folder}' does not exist");
        }

        UserFile.RequireWritable(path);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTo(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Name the file the user asked for, not the temporary one.
            throw new IOException($"cannot write '{path}': {e.Message.Replace(temporary, full, StringComparison.Ordinal)}", e);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the write's own error is the one to report.
        }
    }
}
