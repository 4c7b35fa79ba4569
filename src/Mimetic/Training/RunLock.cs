using System.Globalization;

namespace Mimetic.Training;

/// <summary>Another process holds a run directory's lock.</summary>
public sealed class RunLockedException(string message) : IOException(message);

/// <summary>
/// One process at a time per run directory: an exclusive, non-blocking lock on <c>run.lock</c> (an OS file
/// lock, so it is released when the process ends, even by <c>kill -9</c>), and the holder's host and process id
/// in <c>run.lock.owner</c> so the second process can say who holds it. A lock whose process is gone is stale and
/// the next trainer takes it over: the kernel dropped it with the process, however that ended, and the owner line
/// left behind names the last holder only.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside a run directory.</summary>
    public const string FileName = "run.lock";

    private readonly FileStream stream;

    private RunLock(FileStream stream) => this.stream = stream;

    /// <summary>Takes the lock of <paramref name="runDirectory"/> (creating the directory), or throws.</summary>
    /// <exception cref="RunLockedException">Another process holds it; the message names the holder.</exception>
    public static RunLock Acquire(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        Io.UserFile.RequireFolderOrMissing(runDirectory, "run folder");
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, FileName);
        var ownerPath = path + ".owner";
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "another process";
            throw new RunLockedException($"{Path.GetFullPath(runDirectory)} is being trained by {holder}; wait for it to finish or stop it first.");
        }

        File.WriteAllText(ownerPath, string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));
        return new RunLock(stream);
    }

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();
}
