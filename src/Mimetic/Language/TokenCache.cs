using System.Runtime.InteropServices;

namespace Mimetic.Language;

/// <summary>
/// Token ids on disk: little-endian int32s in one file per token stream, written atomically (temporary file, then
/// rename). A missing, malformed or out-of-vocabulary file reads as absent; a folder that cannot be written is
/// ignored, because the cache only saves time.
/// </summary>
internal static class TokenCache
{
    /// <summary>The ids in <paramref name="cachePath"/>, or null if it is absent or not valid for <paramref name="vocabSize"/>.</summary>
    public static int[]? Read(string cachePath, int vocabSize)
    {
        if (!File.Exists(cachePath))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(cachePath);
        if (bytes.Length == 0 || bytes.Length % sizeof(int) != 0)
        {
            return null;
        }

        var ids = MemoryMarshal.Cast<byte, int>(bytes).ToArray();
        return BitConverter.IsLittleEndian && ids.All(id => (uint)id < (uint)vocabSize) ? ids : null;
    }

    /// <summary>Writes <paramref name="ids"/> to <paramref name="cachePath"/>, atomically; failures are ignored.</summary>
    public static void Write(string cachePath, int[] ids)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
            var temporary = $"{cachePath}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temporary, MemoryMarshal.AsBytes(ids.AsSpan()).ToArray());
            File.Move(temporary, cachePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a read-only cache folder must not stop a run.
        }
    }
}
