using System.Runtime.InteropServices;
using System.Text;

namespace Mimetic.Io;

/// <summary>
/// A path given by the user was not a regular file: a named pipe, a device, a socket or a folder. Reading such a path
/// can block forever (a FIFO with no writer) or never end (<c>/dev/zero</c>); writing over it would replace it.
/// </summary>
public sealed class NotARegularFileException(string message) : IOException(message);

/// <summary>What a path names, links followed.</summary>
internal enum FileKind
{
    /// <summary>Nothing (or a dangling link).</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A named pipe (FIFO).</summary>
    Fifo,

    /// <summary>A character device (<c>/dev/zero</c>, <c>/dev/null</c>, a terminal).</summary>
    CharacterDevice,

    /// <summary>A block device (a disk).</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>Something else.</summary>
    Other,
}

/// <summary>
/// The one check every command makes before it opens a file the user named (a model, weights, study, text or data
/// file) or writes one: the path must be a regular file, links resolved. Named pipes, devices, sockets and folders are
/// refused with one line naming the path and what it is, before anything opens it, so nothing blocks or reads forever.
/// </summary>
public static partial class UserFile
{
    private const int TypeMask = 0xF000;

    /// <summary>
    /// Throws unless <paramref name="path"/> names an existing regular file (a link to one counts).
    /// </summary>
    /// <param name="path">The path as the user gave it; messages show it so.</param>
    /// <param name="what">What the file is for, in words: <c>model file</c>, <c>study file</c>, <c>text file</c>.</param>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    /// <exception cref="NotARegularFileException">Something other than a regular file is there.</exception>
    public static void RequireReadable(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(what);
        var kind = KindOf(path);
        switch (kind)
        {
            case FileKind.Regular:
                return;
            case FileKind.Missing:
                throw new FileNotFoundException($"{what} '{path}' does not exist", path);
            default:
                throw new NotARegularFileException($"{what} '{path}' is {Describe(kind)}, not a regular file; pass a regular {what}");
        }
    }

    /// <summary>
    /// Throws if <paramref name="path"/> exists and is not a regular file, so a write never replaces a named pipe, a
    /// device or a socket (nor writes into a folder's place). A missing path, or a regular file to replace, passes.
    /// </summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <exception cref="NotARegularFileException">Something other than a regular file is there.</exception>
    public static void RequireWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var kind = KindOf(path);
        if (kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw new NotARegularFileException($"cannot write '{path}': it is {Describe(kind)}, not a regular file; give a regular file name");
        }
    }

    /// <summary>
    /// Throws if <paramref name="path"/> exists and is not a folder (an output folder the command creates or fills).
    /// </summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="what">What the folder is for, in words: <c>output folder</c>, <c>run folder</c>.</param>
    /// <exception cref="NotARegularFileException">A file, pipe, device or socket is there.</exception>
    public static void RequireFolderOrMissing(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(what);
        var kind = KindOf(path);
        if (kind is not (FileKind.Missing or FileKind.Directory))
        {
            throw new NotARegularFileException($"{what} '{path}' is {Describe(kind)}, not a folder");
        }
    }

    /// <summary>What <paramref name="path"/> names, links followed (a dangling link is <see cref="FileKind.Missing"/>).</summary>
    internal static FileKind KindOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows() || path.Contains('\0', StringComparison.Ordinal))
        {
            return Fallback(path);
        }

        try
        {
            var status = new byte[StatusBytes];
            var name = Encoding.UTF8.GetBytes(Path.GetFullPath(path) + "\0");
            if (Stat(name, status) != 0)
            {
                return FileKind.Missing;
            }

            return (BitConverter.ToInt32(status, ModeOffset) & TypeMask) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0x1000 => FileKind.Fifo,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0xC000 => FileKind.Socket,
                _ => FileKind.Other,
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Fallback(path);
        }
    }

    /// <summary>
    /// The path with every link resolved, in every component (a linked folder as much as a linked file), as
    /// <c>realpath</c> gives it; components that do not exist are kept as they are.
    /// </summary>
    /// <exception cref="IOException">Links nest deeper than 32 levels (a loop).</exception>
    internal static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int depth)
    {
        if (depth > 32)
        {
            throw new IOException($"'{path}' goes through more than 32 links (a loop of links?)");
        }

        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is { } target)
            {
                current = RealPath(Path.GetFullPath(target, Path.GetDirectoryName(current) ?? root), depth + 1);
            }
        }

        return current;
    }

    /// <summary>The kind in words, with its article: <c>a named pipe (FIFO)</c>.</summary>
    internal static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a folder",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        _ => "a special file",
    };

    private static FileKind Fallback(string path) =>
        Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;

    // .NET's own native shim (shipped with every runtime) fills its portable FileStatus record: Flags (int32), then
    // Mode (int32) with the S_IF* type bits normalised to the same values on every Unix. The buffer is larger than the
    // record, which has grown over versions only at its end.
    private const int StatusBytes = 512;
    private const int ModeOffset = 4;

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    private static partial int Stat(byte[] path, [Out] byte[] status);
}
