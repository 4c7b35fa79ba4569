using System.Diagnostics;
using Mimetic.Data;

namespace Mimetic.Tests.Data;

/// <summary>
/// Loads the real CIFAR-10 archive from ../shared/data once per test class, extracting it into a fresh cache
/// folder (so the first-load path is what is tested), and deletes that folder afterwards.
/// </summary>
public sealed class Cifar10Fixture : IDisposable
{
    private readonly TempDirectory _cache = new();

    public Cifar10Fixture()
    {
        var watch = Stopwatch.StartNew();
        Splits = DatasetCatalog.Load("cifar10", Options);
        FirstLoadTime = watch.Elapsed;
    }

    public DatasetSplits Splits { get; }

    public TimeSpan FirstLoadTime { get; }

    public string CacheDirectory => _cache.Path;

    public DatasetLoadOptions Options => new() { CacheDirectory = _cache.Path, AllowDownload = false };

    public void Dispose() => _cache.Dispose();
}
