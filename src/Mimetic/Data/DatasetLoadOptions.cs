namespace Mimetic.Data;

/// <summary>Where <see cref="DatasetCatalog"/> looks for data and whether it may download it.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>The environment variable that, when set to anything but 0, forbids downloads.</summary>
    public const string OfflineEnvironmentVariable = "MIMETIC_OFFLINE";

    /// <summary>A data folder to search first (the CLI's <c>--data</c>), or null.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The cache folder for downloads and extracted files, or null for <see cref="DatasetLocator.DefaultCacheDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Whether a missing data set may be downloaded from its official address (also off when <c>MIMETIC_OFFLINE</c> is set).</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>Receives download progress, if any.</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>The HTTP client for downloads, or null for a default one.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>A ready-made locator (tests); overrides <see cref="DataDirectory"/> and <see cref="CacheDirectory"/>.</summary>
    internal DatasetLocator? Locator { get; init; }

    /// <summary>System folders searched for Fashion-MNIST after the usual ones (tests replace them).</summary>
    internal IReadOnlyList<string> SystemFashionMnistDirectories { get; init; } = [DatasetCatalog.DebianFashionMnistDirectory];

    /// <summary>Whether downloads are allowed, taking <c>MIMETIC_OFFLINE</c> into account.</summary>
    internal bool DownloadsAllowed =>
        AllowDownload && Environment.GetEnvironmentVariable(OfflineEnvironmentVariable) is null or "" or "0";
}
