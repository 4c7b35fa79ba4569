using Mimetic.Data;

namespace Mimetic.Tests.Data;

public sealed class DatasetLocatorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SearchesInTheDocumentedOrder()
    {
        string repo = _temp.Combine("work", "repo");
        string cwd = Path.Combine(repo, "src", "tool");
        string app = _temp.Combine("elsewhere", "bin");
        Directory.CreateDirectory(cwd);
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(repo, DatasetLocator.SolutionFileName), string.Empty);
        string explicitData = _temp.Combine("mine");
        Directory.CreateDirectory(explicitData);
        Directory.CreateDirectory(_temp.Combine("env"));
        var env = new Dictionary<string, string> { ["MIMETIC_DATA"] = _temp.Combine("env"), ["XDG_CACHE_HOME"] = _temp.Combine("xdg") };

        var locator = new DatasetLocator(explicitData, null, cwd, app, k => env.GetValueOrDefault(k));

        Assert.Equal(
            [
                explicitData,
                _temp.Combine("env"),
                Path.Combine(repo, "src", "shared", "data"),
                _temp.Combine("work", "shared", "data"),
                _temp.Combine("xdg", "mimetic"),
            ],
            locator.SearchDirectories);
        Assert.Equal(_temp.Combine("xdg", "mimetic"), locator.CacheDirectory);
    }

    [Fact]
    public void FindsTheRepositoryRootFromTheApplicationFolderToo()
    {
        string repo = _temp.Combine("repo");
        string app = Path.Combine(repo, "tests", "bin", "Debug");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(repo, DatasetLocator.SolutionFileName), string.Empty);
        string cwd = _temp.Combine("cwd");
        Directory.CreateDirectory(cwd);

        var locator = new DatasetLocator(null, _temp.Combine("cache"), cwd, app, _ => null);

        Assert.Contains(_temp.Combine("shared", "data"), locator.SearchDirectories);
        Assert.Equal(repo, DatasetLocator.FindRepositoryRoot(app));
    }

    [Fact]
    public void FindsTheFirstMatchingFile()
    {
        string first = _temp.Combine("first");
        string second = _temp.Combine("second");
        Directory.CreateDirectory(first);
        Directory.CreateDirectory(second);
        File.WriteAllText(Path.Combine(second, "x.tar.gz"), "2");
        var env = new Dictionary<string, string> { ["MIMETIC_DATA"] = second };

        var locator = new DatasetLocator(first, _temp.Combine("cache"), _temp.Path, _temp.Path, k => env.GetValueOrDefault(k));

        Assert.Equal(Path.Combine(second, "x.tar.gz"), locator.FindFile("x.tar.gz"));
        Assert.Null(locator.FindFile("y.tar.gz"));
    }

    [Fact]
    public void CacheFolderFollowsTheEnvironment()
    {
        Assert.Equal(
            _temp.Combine("explicit"),
            new DatasetLocator(null, null, _temp.Path, _temp.Path, k => k == "MIMETIC_CACHE" ? _temp.Combine("explicit") : null).CacheDirectory);
        Assert.EndsWith(Path.Combine(".cache", "mimetic"), new DatasetLocator(null, null, _temp.Path, _temp.Path, _ => null).CacheDirectory, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAMissingExplicitFolder()
    {
        var error = Assert.Throws<DataException>(() => new DatasetLocator(_temp.Combine("nope"), null, _temp.Path, _temp.Path, _ => null));

        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void TheRealRepositoryRootIsFoundFromTheTestBinaries()
    {
        string? root = DatasetLocator.FindRepositoryRoot(AppContext.BaseDirectory);

        Assert.NotNull(root);
        string shared = Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));
        RealData.Require(File.Exists(Path.Combine(shared, "cifar-10-binary.tar.gz")) ? null : $"cifar-10-binary.tar.gz not found (looked in {shared})");
        Assert.True(File.Exists(Path.Combine(root, "..", "shared", "data", "cifar-10-binary.tar.gz")), "../shared/data/cifar-10-binary.tar.gz is missing next to the repository");
    }
}
