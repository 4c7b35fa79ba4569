using Mimetic.Data;

namespace Mimetic.Cli.Prediction;

/// <summary>
/// The images <c>mimetic predict</c> classifies: the files named, or the images of one folder. A folder whose subfolders
/// are named after the model's classes (torchvision's ImageFolder layout) is labelled: every image under a class folder
/// has that class.
/// </summary>
/// <param name="Files">The image files, in order (a folder's in ordinal path order).</param>
/// <param name="Labels">Each file's class index, for a labelled folder; else null.</param>
internal sealed record PredictionInputs(IReadOnlyList<string> Files, IReadOnlyList<int>? Labels)
{
    /// <summary>Collects the images of <paramref name="paths"/>.</summary>
    /// <exception cref="ArgumentException">Nothing to classify, a missing path, or a class folder the model does not know.</exception>
    public static PredictionInputs Collect(IReadOnlyList<string> paths, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(classes);
        if (paths.Count == 1 && Directory.Exists(paths[0]))
        {
            return FromFolder(paths[0], classes);
        }

        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                throw new ArgumentException($"{path} is a folder: pass one folder alone, or image files.");
            }

            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"file not found: {path}", path);
            }
        }

        return paths.Count == 0 ? throw new ArgumentException("pass image files or a folder of images") : new PredictionInputs(paths, null);
    }

    private static PredictionInputs FromFolder(string folder, IReadOnlyList<string> classes)
    {
        // Hidden folders (".git", ".ipynb_checkpoints") are not classes, as in training.
        var subfolders = Directory.EnumerateDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (subfolders.Count == 0)
        {
            var files = Images(folder, SearchOption.TopDirectoryOnly);
            return files.Count > 0 ? new PredictionInputs(files, null) : throw new ArgumentException($"{folder} holds no images ({string.Join(", ", ImageFiles.Extensions)}).");
        }

        var index = classes.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var all = new List<string>();
        var labels = new List<int>();
        foreach (var subfolder in subfolders)
        {
            var name = Path.GetFileName(subfolder);
            if (!index.TryGetValue(name, out var label))
            {
                throw new ArgumentException($"{subfolder}: '{name}' is not one of the model's classes ({string.Join(", ", classes.Take(12))}{(classes.Count > 12 ? ", …" : "")}).");
            }

            var files = Images(subfolder, SearchOption.AllDirectories);
            all.AddRange(files);
            labels.AddRange(files.Select(_ => label));
        }

        return all.Count > 0 ? new PredictionInputs(all, labels) : throw new ArgumentException($"{folder}: its class folders hold no images.");
    }

    private static List<string> Images(string folder, SearchOption option) =>
        [.. Directory.EnumerateFiles(folder, "*", option).Where(ImageFiles.IsImage).Order(StringComparer.Ordinal)];
}
