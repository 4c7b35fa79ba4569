namespace Mimetic.Data;

/// <summary>
/// Decides where data files are looked for, in order: the explicit <c>--data</c> folder, the folder in the
/// <c>MIMETIC_DATA</c> environment variable, <c>../shared/data</c> relative to the current folder, <c>../shared/data</c>
/// relative to the repository root (the nearest folder holding <c>Mimetic.sln</c> above the current folder or above
/// the application), and finally the per-user cache folder, where downloads and extracted files also go.
/// </summary>
public sealed class DatasetLocator
{
    /// <summary>The environment variable naming a data folder.</summary>
    public const string DataEnvironmentVariable = "MIMETIC_DATA";

    /// <summary>The environment variable naming a cache folder (overrides the XDG default).</summary>
    public const string CacheEnvironmentVariable = "MIMETIC_CACHE";

    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFileName = "Mimetic.sln";

    /// <summary>Looks in the usual places, with an optional explicit data folder first.</summary>
    /// <param name="dataDirectory">The folder given with <c>--data</c>, if any; it must exist and be readable.</param>
    /// <param name="cacheDirectory">The cache folder, or null for the default (see <see cref="DefaultCacheDirectory"/>).</param>
    /// <exception cref="DataException">The <c>--data</c> folder or the <c>MIMETIC_DATA</c> folder is missing or unreadable.</exception>
    public DatasetLocator(string? dataDirectory = null, string? cacheDirectory = null)
        : this(dataDirectory, cacheDirectory, Environment.CurrentDirectory, AppContext.BaseDirectory, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>The full constructor, with the process state made explicit for tests.</summary>
    internal DatasetLocator(
        string? dataDirectory,
        string? cacheDirectory,
        string currentDirectory,
        string baseDirectory,
        Func<string, string?> getEnvironmentVariable)
    {
        var directories = new List<string>();
        if (dataDirectory is not null && string.IsNullOrWhiteSpace(dataDirectory))
        {
            throw new DataException("--data names no folder (an empty value); leave it out to search the usual places");
        }

        if (dataDirectory is not null)
        {
            directories.Add(RequireReadable(Path.GetFullPath(dataDirectory, currentDirectory), "given with --data"));
        }

        if (getEnvironmentVariable(DataEnvironmentVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment))
        {
            directories.Add(RequireReadable(Path.GetFullPath(fromEnvironment, currentDirectory), $"named by ${DataEnvironmentVariable}"));
        }

        directories.Add(Path.GetFullPath(Path.Combine(currentDirectory, "..", "shared", "data")));
        foreach (string start in new[] { currentDirectory, baseDirectory })
        {
            if (FindRepositoryRoot(start) is string root)
            {
                directories.Add(Path.GetFullPath(Path.Combine(root, "..", "shared", "data")));
            }
        }

        CacheDirectory = Path.GetFullPath(cacheDirectory ?? ResolveCacheDirectory(getEnvironmentVariable), currentDirectory);
        directories.Add(CacheDirectory);
        SearchDirectories = [.. directories.Select(Path.TrimEndingDirectorySeparator).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The folders searched, in order, without duplicates; the last is <see cref="CacheDirectory"/>.</summary>
    public IReadOnlyList<string> SearchDirectories { get; }

    /// <summary>The per-user cache folder, where downloads and extracted files go.</summary>
    public string CacheDirectory { get; }

    /// <summary>
    /// The default cache folder: <c>$MIMETIC_CACHE</c> if set, else <c>$XDG_CACHE_HOME/mimetic</c>,
    /// else <c>~/.cache/mimetic</c>.
    /// </summary>
    public static string DefaultCacheDirectory() => ResolveCacheDirectory(Environment.GetEnvironmentVariable);

    /// <summary>
    /// The nearest folder at or above <paramref name="startDirectory"/> holding <c>Mimetic.sln</c>, or null.
    /// </summary>
    /// <param name="startDirectory">Where to start walking up.</param>
    public static string? FindRepositoryRoot(string startDirectory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>The first existing file with this name in <see cref="SearchDirectories"/>, or null.</summary>
    /// <param name="fileName">A file name (or a relative path) to look for.</param>
    public string? FindFile(string fileName)
    {
        foreach (string dir in SearchDirectories)
        {
            string candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The first folder in <see cref="SearchDirectories"/> (or in <paramref name="extra"/>) holding all the files, or null.</summary>
    /// <param name="fileNames">File names that must all be present.</param>
    /// <param name="extra">Further folders to try after the search folders.</param>
    public string? FindDirectoryWith(IReadOnlyCollection<string> fileNames, IEnumerable<string>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        foreach (string dir in SearchDirectories.Concat(extra ?? []))
        {
            if (fileNames.All(f => File.Exists(Path.Combine(dir, f))))
            {
                return dir;
            }
        }

        return null;
    }

    /// <summary>A one-line description of the search folders, for messages.</summary>
    public string DescribeSearch() => string.Join(", ", SearchDirectories);

    // A folder the user named must be there and readable: silently searching elsewhere would hide the mistake.
    private static string RequireReadable(string folder, string origin)
    {
        if (File.Exists(folder))
        {
            throw new DataException($"data folder '{folder}' ({origin}) is a file, not a folder");
        }

        if (!Directory.Exists(folder))
        {
            throw new DataException($"data folder '{folder}' ({origin}) does not exist");
        }

        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(folder).GetEnumerator();
            _ = entries.MoveNext();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new DataException($"data folder '{folder}' ({origin}) cannot be read: {e.Message}", e);
        }

        return folder;
    }

    private static string ResolveCacheDirectory(Func<string, string?> getEnvironmentVariable)
    {
        if (getEnvironmentVariable(CacheEnvironmentVariable) is { Length: > 0 } explicitCache)
        {
            return Path.GetFullPath(explicitCache);
        }

        if (getEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "mimetic");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
        {
            home = Path.GetTempPath();
        }

        return Path.Combine(home, ".cache", "mimetic");
    }
}
