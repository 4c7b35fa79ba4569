using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Mimetic.Data;

/// <summary>
/// Extracts chosen members of a .tar.gz archive safely: every entry name is checked (absolute names, <c>..</c>
/// and names that resolve outside the target are refused), links are never created or followed, only the
/// expected regular files are written, and the result appears atomically: members are written to a temporary
/// sibling folder that is renamed into place only when everything is extracted and verified, together with a
/// completion marker that records the source archive (path, size, time stamp) and each member's size and SHA-256.
/// Extracting again is a no-op while the marker, the members' contents and the source archive agree.
/// </summary>
internal static class SafeTarExtractor
{
    /// <summary>The file written last into an extracted folder: the source archive, then each member's size and SHA-256.</summary>
    public const string CompletionMarker = ".mimetic-complete";

    private const string MarkerVersion = "mimetic-extraction\tv2";
    private const string SourcePrefix = "source\t";

    private const string PartialInfix = ".partial-";

    /// <summary>
    /// Extracts <paramref name="members"/> of <paramref name="archivePath"/> into <paramref name="destination"/>
    /// unless a complete extraction is already there.
    /// </summary>
    /// <param name="archivePath">A .tar.gz file.</param>
    /// <param name="destination">The folder to create; member paths are kept below it.</param>
    /// <param name="members">The members to extract; any other entry is checked and skipped.</param>
    /// <param name="verify">
    /// Called with the archive's checksums and each member's MD5 before the folder is put in place;
    /// throws to reject the archive.
    /// </param>
    /// <returns>True if it extracted, false if a complete extraction was already there.</returns>
    /// <exception cref="DataException">The archive is unreadable, unsafe, incomplete or rejected.</exception>
    public static bool Extract(
        string archivePath,
        string destination,
        IReadOnlyList<ArchiveMember> members,
        Action<FileHashes, IReadOnlyDictionary<string, string>>? verify = null)
    {
        destination = Path.GetFullPath(destination);
        if (IsComplete(destination, members, archivePath))
        {
            return false;
        }

        string parent = Path.GetDirectoryName(destination)
            ?? throw new DataException($"cannot extract into the file system root '{destination}'");
        Directory.CreateDirectory(parent);
        RemoveStalePartials(parent, Path.GetFileName(destination));
        string partial = Path.Combine(parent, "." + Path.GetFileName(destination) + PartialInfix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(partial);
        try
        {
            FileHashes archiveHashes;
            Dictionary<string, (string Md5, string Sha256)> memberHashes;
            using (var file = OpenArchive(archivePath))
            using (var hashing = new HashingReadStream(file))
            {
                memberHashes = ExtractMembers(hashing, archivePath, partial, members);
                archiveHashes = hashing.Finish();
            }

            var memberMd5 = memberHashes.ToDictionary(m => m.Key, m => m.Value.Md5, StringComparer.Ordinal);
            var memberSha256 = memberHashes.ToDictionary(m => m.Key, m => m.Value.Sha256, StringComparer.Ordinal);

            verify?.Invoke(archiveHashes, memberMd5);
            WriteMarker(partial, members, archivePath, memberSha256);
            MoveIntoPlace(partial, destination, members, archivePath);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(partial);
            throw new DataException($"cannot extract '{archivePath}' into '{parent}': {ex.Message}", ex);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="destination"/> holds a complete, intact extraction: the completion marker is there, every
    /// member has the size and SHA-256 it records (the contents are hashed again: a flipped byte or a truncated file is
    /// caught), and, when <paramref name="source"/> is given, the marker names that archive with its current size and
    /// time stamp (an archive found elsewhere, or replaced, is extracted anew).
    /// </summary>
    /// <param name="destination">The extraction folder.</param>
    /// <param name="members">The members that must be there.</param>
    /// <param name="source">The archive the extraction must come from, or null to accept any source.</param>
    public static bool IsComplete(string destination, IReadOnlyList<ArchiveMember> members, string? source = null)
    {
        string marker = Path.Combine(destination, CompletionMarker);
        if (!File.Exists(marker))
        {
            return false;
        }

        string[] lines = File.ReadAllLines(marker);
        if (lines.Length < 2 || lines[0] != MarkerVersion
            || (source is not null && lines[1] != SourceLine(source)))
        {
            return false;
        }

        var recorded = new Dictionary<string, (long Size, string Sha256)>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(2))
        {
            string[] parts = line.Split('\t');
            if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
            {
                recorded[parts[2]] = (size, parts[1]);
            }
        }

        foreach (ArchiveMember member in members)
        {
            var file = new FileInfo(Path.Combine(destination, member.Name));
            if (!recorded.TryGetValue(member.Name, out var expected)
                || !file.Exists
                || file.Length != expected.Size
                || (member.Size is long size && size != file.Length)
                || !string.Equals(Sha256Of(file.FullName), expected.Sha256, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Checks an entry name and returns the full path it would have below <paramref name="root"/>;
    /// throws <see cref="DataException"/> for absolute names, <c>..</c> segments and anything resolving outside.
    /// </summary>
    public static string ResolveEntryPath(string root, string entryName, string archivePath)
    {
        bool rooted = entryName.StartsWith('/') || entryName.StartsWith('\\') || Path.IsPathRooted(entryName)
            || (entryName.Length >= 2 && entryName[1] == ':');
        bool climbs = entryName.Split('/', '\\').Any(segment => segment == "..");
        string fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        string full = rooted || climbs ? string.Empty : Path.GetFullPath(Path.Combine(fullRoot, entryName));
        if (rooted || climbs || !full.StartsWith(fullRoot, StringComparison.Ordinal))
        {
            throw new DataException($"unsafe archive '{archivePath}': entry '{entryName}' would be written outside the target folder; refusing to extract it");
        }

        return full;
    }

    /// <summary>Normalises an entry name for matching: forward slashes, no leading "./".</summary>
    public static string NormaliseName(string entryName)
    {
        string name = entryName.Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        return name.TrimEnd('/');
    }

    private static FileStream OpenArchive(string archivePath)
    {
        Io.UserFile.RequireReadable(archivePath, "data archive");
        try
        {
            return new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot open archive '{archivePath}': {ex.Message}", ex);
        }
    }

    private static Dictionary<string, (string Md5, string Sha256)> ExtractMembers(Stream compressed, string archivePath, string target, IReadOnlyList<ArchiveMember> members)
    {
        var wanted = members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var md5 = new Dictionary<string, (string Md5, string Sha256)>(StringComparer.Ordinal);
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new TarReader(gzip, leaveOpen: true);
        var buffer = new byte[1 << 20];
        try
        {
            while (reader.GetNextEntry(copyData: false) is TarEntry entry)
            {
                string path = ResolveEntryPath(target, entry.Name, archivePath);
                string name = NormaliseName(entry.Name);
                if (!wanted.TryGetValue(name, out ArchiveMember? member))
                {
                    continue;
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                {
                    throw new DataException($"unsafe archive '{archivePath}': member '{entry.Name}' is a {entry.EntryType}, not a regular file; refusing it");
                }

                if (md5.ContainsKey(name))
                {
                    throw new DataException($"archive '{archivePath}' holds member '{name}' twice; refusing it");
                }

                if (member.Size is long size && entry.Length != size)
                {
                    throw new DataException($"archive '{archivePath}': member '{name}' has {entry.Length} bytes, expected {size}");
                }

                md5[name] = WriteMember(entry, path, buffer);
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new DataException($"archive '{archivePath}' is truncated: {ex.Message}", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new DataException($"archive '{archivePath}' is not a valid .tar.gz file: {ex.Message}", ex);
        }

        string[] missing = [.. members.Where(m => !md5.ContainsKey(m.Name)).Select(m => m.Name)];
        if (missing.Length > 0)
        {
            throw new DataException($"archive '{archivePath}' lacks {string.Join(", ", missing)}; it is not the expected file");
        }

        return md5;
    }

    private static (string Md5, string Sha256) WriteMember(TarEntry entry, string path, byte[] buffer)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            if (entry.DataStream is Stream data)
            {
                long written = 0;
                int n;
                while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    sha256.AppendData(buffer, 0, n);
                    output.Write(buffer, 0, n);
                    written += n;
                }

                if (written != entry.Length)
                {
                    throw new EndOfStreamException($"member '{entry.Name}' ends after {written} of {entry.Length} bytes");
                }
            }
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    private static void WriteMarker(string folder, IReadOnlyList<ArchiveMember> members, string source, Dictionary<string, string> sha256)
    {
        var lines = members.Select(m => string.Create(CultureInfo.InvariantCulture,
            $"{new FileInfo(Path.Combine(folder, m.Name)).Length}\t{sha256[m.Name]}\t{m.Name}"));
        File.WriteAllLines(Path.Combine(folder, CompletionMarker), [MarkerVersion, SourceLine(source), .. lines]);
    }

    // The archive's identity, cheap to recompute: full path, size and time stamp.
    private static string SourceLine(string archivePath)
    {
        var file = new FileInfo(Path.GetFullPath(archivePath));
        return string.Create(CultureInfo.InvariantCulture, $"{SourcePrefix}{file.Length}\t{file.LastWriteTimeUtc.Ticks}\t{file.FullName}");
    }

    private static string Sha256Of(string path)
    {
        Io.UserFile.RequireReadable(path, "data file");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void MoveIntoPlace(string partial, string destination, IReadOnlyList<ArchiveMember> members, string source)
    {
        if (Directory.Exists(destination))
        {
            // An incomplete or stale extraction (IsComplete said no): replace it.
            Directory.Delete(destination, recursive: true);
        }

        try
        {
            Directory.Move(partial, destination);
        }
        catch (IOException) when (IsComplete(destination, members, source))
        {
            // Another process finished the same extraction first; use theirs.
            TryDelete(partial);
        }
    }

    private static void RemoveStalePartials(string parent, string name)
    {
        foreach (string stale in Directory.EnumerateDirectories(parent, "." + name + PartialInfix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddHours(-6))
            {
                TryDelete(stale);
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
