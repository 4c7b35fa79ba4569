using Mimetic.Io;
using System.Globalization;
using Onnx;

namespace Mimetic.Analysis.Onnx;

/// <summary>
/// ONNX external data: a tensor whose bytes live in a side file named by its <c>location</c> entry, at <c>offset</c>
/// for <c>length</c> bytes. The file must lie inside the model's folder (no absolute paths, no <c>..</c>, no links out),
/// and the range must lie inside the file; nothing else is read.
/// </summary>
public static class ExternalData
{
    /// <summary>Reads the <paramref name="expectedBytes"/> bytes of an externally stored tensor.</summary>
    /// <exception cref="InvalidModelFileException">The entry is malformed, points outside the model's folder, or the range is not in the file.</exception>
    public static byte[] Read(TensorProto tensor, string modelPath, long expectedBytes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(modelPath);
        var fileName = Path.GetFileName(modelPath);
        var entries = tensor.ExternalData.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        string Where() => $"{fileName}: tensor '{tensor.Name}' (external data)";
        if (!entries.TryGetValue("location", out var location) || string.IsNullOrWhiteSpace(location))
        {
            throw new InvalidModelFileException($"{Where()} names no location.");
        }

        var path = Resolve(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, location)
                   ?? throw new InvalidModelFileException($"{Where()}: location '{Shorten(location)}' is not a file inside the model's folder.");
        var offset = Number(entries, "offset", 0, Where);
        var length = Number(entries, "length", expectedBytes, Where);
        switch (UserFile.KindOf(path))
        {
            case FileKind.Missing:
                throw new InvalidModelFileException($"{Where()}: '{Shorten(location)}' is missing beside the model.");
            case not FileKind.Regular and var kind:
                throw new InvalidModelFileException($"{Where()}: '{Shorten(location)}' is {UserFile.Describe(kind)}, not a regular file.");
        }

        var info = new FileInfo(path);
        if (length != expectedBytes || offset > info.Length || length > info.Length - offset)
        {
            throw new InvalidModelFileException(
                $"{Where()}: {length} bytes at offset {offset} of '{Shorten(location)}' ({info.Length} bytes) do not hold the {expectedBytes} bytes of shape [{string.Join(", ", tensor.Dims)}].");
        }

        var bytes = new byte[length];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// The real path of <paramref name="location"/> if it names a file inside <paramref name="folder"/>, else null. Links
    /// are resolved in every component, so neither a linked file nor a linked folder can lead out of the model's folder.
    /// </summary>
    internal static string? Resolve(string folder, string location)
    {
        if (location.Length == 0 || Path.IsPathRooted(location) || location.Contains('\0', StringComparison.Ordinal)
            || location.Split('/', '\\').Any(part => part == ".."))
        {
            return null;
        }

        try
        {
            var root = Path.TrimEndingDirectorySeparator(UserFile.RealPath(folder)) + Path.DirectorySeparatorChar;
            var full = UserFile.RealPath(Path.Combine(root, location));
            return full.StartsWith(root, StringComparison.Ordinal) && full.Length > root.Length ? full : null;
        }
        catch (IOException)
        {
            return null;   // a loop of links leads nowhere inside the folder
        }
    }

    private static long Number(Dictionary<string, string> entries, string key, long fallback, Func<string> where)
    {
        if (!entries.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidModelFileException($"{where()}: {key} '{Shorten(text)}' is not a non-negative integer.");
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
