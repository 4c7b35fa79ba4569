using System.Diagnostics;
using Mimetic.Data;

namespace Mimetic.Tests.Data;

/// <summary>
/// Loads the real CIFAR-10 archive from ../shared/data once per test class, extracting it into a fresh cache
/// folder (so the first-load path is what is tested), and deletes that folder afterwards. Where the archive is
/// missing, each test skips (or fails; see <see cref="RealData"/>) when it calls <see cref="RequireData"/>.
/// </summary>
public sealed class Cifar10Fixture : IDisposable
{
    private readonly TempDirectory _cache = new();
    private readonly DatasetSplits? _splits;
    private readonly string? _missing;

    public Cifar10Fixture()
    {
        var watch = Stopwatch.StartNew();
        _missing = RealData.MissingFile(ArchiveSpec.Cifar10.FileName, _cache.Path);
        if (_missing is null)
        {
            _splits = DatasetCatalog.Load("cifar10", Options);   // the archive is there: any problem with it is an error
        }

        FirstLoadTime = watch.Elapsed;
    }

    public DatasetSplits Splits => _splits ?? throw RealData.Unavailable(_missing ?? "CIFAR-10 was not loaded");

    public TimeSpan FirstLoadTime { get; }

    public string CacheDirectory => _cache.Path;

    public DatasetLoadOptions Options => new() { CacheDirectory = _cache.Path, AllowDownload = false };

    /// <summary>Skips the calling test (or fails it) if the archive could not be loaded.</summary>
    public void RequireData() => RealData.Require(_missing);

    public void Dispose() => _cache.Dispose();
}
