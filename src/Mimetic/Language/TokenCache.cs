using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Mimetic.Io;

namespace Mimetic.Language;

/// <summary>
/// Token ids on disk, one file per token stream: a magic, the token count (int64), the SHA-256 of the ids' bytes,
/// then the ids (int32, little-endian), written atomically. A file that is missing, truncated, altered or out of
/// the vocabulary reads as absent (the text is tokenized again, never trained on partly); a folder that cannot be
/// written is ignored, because the cache only saves time.
/// </summary>
internal static class TokenCache
{
    private static readonly byte[] CacheMagic = "MTOKv2\0\0"u8.ToArray();
    private const int CacheHeaderBytes = 8 + sizeof(long) + 32;

    /// <summary>
    /// The cached ids, or null when the file is absent or fails its check: the magic, a length that matches the
    /// recorded token count, the SHA-256 of the ids, and every id inside the vocabulary.
    /// </summary>
    public static int[]? Read(string cachePath, int vocabSize)
    {
        if (!BitConverter.IsLittleEndian || !File.Exists(cachePath))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(cachePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (bytes.Length < CacheHeaderBytes || !bytes.AsSpan(0, CacheMagic.Length).SequenceEqual(CacheMagic))
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(CacheMagic.Length));
        var payload = bytes.AsSpan(CacheHeaderBytes);
        if (count < 1 || count != payload.Length / sizeof(int) || payload.Length % sizeof(int) != 0
            || !SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(CacheMagic.Length + sizeof(long), 32)))
        {
            return null;
        }

        var ids = MemoryMarshal.Cast<byte, int>(payload).ToArray();
        return ids.All(id => (uint)id < (uint)vocabSize) ? ids : null;
    }

    /// <summary>Writes <paramref name="ids"/> to <paramref name="cachePath"/> with their count and hash, atomically; failures are ignored.</summary>
    public static void Write(string cachePath, int[] ids)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
            var payload = MemoryMarshal.AsBytes(ids.AsSpan());
            var file = new byte[CacheHeaderBytes + payload.Length];
            CacheMagic.CopyTo(file, 0);
            BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(CacheMagic.Length), ids.LongLength);
            SHA256.HashData(payload, file.AsSpan(CacheMagic.Length + sizeof(long), 32));
            payload.CopyTo(file.AsSpan(CacheHeaderBytes));
            AtomicFile.WriteAllBytes(cachePath, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a read-only cache folder must not stop a run.
        }
    }
}
