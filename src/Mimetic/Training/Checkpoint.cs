using System.Globalization;
using System.Text.Json;
using Mimetic.Io;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>Where training stands: what a checkpoint must restore besides the weights.</summary>
/// <param name="EpochsCompleted">Whole epochs done.</param>
/// <param name="BatchesIntoEpoch">Batches of the next epoch already done (a checkpoint taken mid-epoch on Ctrl-C).</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="EpochLossSum">Sum of the partial epoch's batch losses (mid-epoch only).</param>
/// <param name="EpochCorrect">Correct predictions in the partial epoch (mid-epoch only).</param>
/// <param name="EpochSeen">Images seen in the partial epoch (mid-epoch only).</param>
/// <param name="EpochSeconds">Wall-clock seconds spent in the partial epoch (mid-epoch only), so that the run's time counts them.</param>
public sealed record TrainingPosition(int EpochsCompleted, int BatchesIntoEpoch, long Step, double EpochLossSum = 0, long EpochCorrect = 0, long EpochSeen = 0, double EpochSeconds = 0);

/// <summary>What a checkpoint must be: the fingerprint of the config it was written for, and the SHA-256 of each weights and optimizer file.</summary>
/// <param name="Config">The run config's <see cref="RunConfig.Fingerprint"/>.</param>
/// <param name="Files">File name → SHA-256 (hex).</param>
internal sealed record CheckpointManifest(string? Config, Dictionary<string, string>? Files);

/// <summary>
/// A resumable checkpoint: <c>model.safetensors</c>, <c>optimizer.bin</c> and <c>position.json</c> (and a <c>manifest.json</c> of their hashes) in one
/// directory, replaced atomically: written beside the old one, then swapped by renames. If a crash
/// falls between the renames, the previous checkpoint (<c>checkpoint.old</c>) is used.
/// </summary>
public static class Checkpoint
{
    private const string ModelFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.bin";
    private const string PositionFile = "position.json";
    private const string AverageFile = "average.safetensors";
    private const string ManifestFile = "manifest.json";

    /// <summary>Saves model, optimizer, position and (when kept) the weight average to <paramref name="directory"/>, atomically.</summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="position">Where training stands.</param>
    /// <param name="metadata">Stored with the weights.</param>
    /// <param name="average">The weight average, when the run keeps one.</param>
    /// <param name="configFingerprint">The run config's <see cref="RunConfig.Fingerprint"/>, recorded in <c>manifest.json</c> with the SHA-256 of every weights and optimizer file.</param>
    public static void Save(string directory, nn.Module model, OptimizerHelper optimizer, TrainingPosition position, IReadOnlyDictionary<string, string>? metadata = null,
        nn.Module? average = null, string? configFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var temporary = directory + ".tmp";
        var old = directory + ".old";
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        Directory.CreateDirectory(temporary);
        SaveWeights(Path.Combine(temporary, ModelFile), model, metadata);
        if (average is not null)
        {
            SaveWeights(Path.Combine(temporary, AverageFile), average, metadata);
        }

        using (var stream = File.Create(Path.Combine(temporary, OptimizerFile)))
        using (var writer = new BinaryWriter(stream))
        {
            optimizer.save_state_dict(writer);
        }

        File.WriteAllText(Path.Combine(temporary, PositionFile), JsonSerializer.Serialize(position, RunFiles.Json));
        var hashed = new[] { ModelFile, OptimizerFile, AverageFile }.Where(f => File.Exists(Path.Combine(temporary, f)));
        var manifest = new CheckpointManifest(configFingerprint, hashed.ToDictionary(f => f, f => Sha256(Path.Combine(temporary, f))));
        File.WriteAllText(Path.Combine(temporary, ManifestFile), JsonSerializer.Serialize(manifest, RunFiles.Json));
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }

        if (Directory.Exists(directory))
        {
            Directory.Move(directory, old);
        }

        Directory.Move(temporary, directory);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>The model weights of the checkpoint in <paramref name="directory"/>, or null if there is none.</summary>
    public static string? ModelPath(string directory) => Resolve(directory) is { } source ? Path.Combine(source, ModelFile) : null;

    /// <summary>Whether a checkpoint can be loaded from <paramref name="directory"/>.</summary>
    public static bool Exists(string directory) => Resolve(directory) is not null;

    /// <summary>
    /// Restores model and optimizer from <paramref name="directory"/> and returns the position and the metadata stored
    /// with the weights. Every file is checked as it is read; a damaged one is named in the error.
    /// </summary>
    /// <exception cref="InvalidDataException">No usable checkpoint, or a damaged file (named).</exception>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="model">Receives the weights.</param>
    /// <param name="optimizer">Receives the optimizer state.</param>
    /// <param name="average">Receives the weight average, which the checkpoint must then hold; null when the run keeps none.</param>
    /// <param name="configFingerprint">The resuming run's <see cref="RunConfig.Fingerprint"/>: a checkpoint that recorded another one is refused.</param>
    public static (TrainingPosition Position, IReadOnlyDictionary<string, string> Metadata) Load(string directory, nn.Module model, OptimizerHelper optimizer, nn.Module? average = null,
        string? configFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var source = Resolve(directory) ?? throw new InvalidDataException(Damage(directory) ?? $"No checkpoint in {directory}: nothing to resume.");
        var position = ReadPosition(Path.Combine(source, PositionFile));
        Verify(source, configFingerprint);
        var modelPath = Path.Combine(source, ModelFile);
        var metadata = LoadWeights(modelPath, model);
        if (average is not null)
        {
            var averagePath = Path.Combine(source, AverageFile);
            if (!File.Exists(averagePath))
            {
                throw new InvalidDataException($"the checkpoint in {source} has no weight average ({AverageFile}), which this run keeps (--ema); the run cannot resume from it");
            }

            LoadWeights(averagePath, average);
        }

        var optimizerPath = Path.Combine(source, OptimizerFile);
        UserFile.RequireReadable(optimizerPath, "optimizer state");
        try
        {
            using var stream = File.OpenRead(optimizerPath);
            using var reader = new BinaryReader(stream);
            optimizer.load_state_dict(reader);
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException("trailing bytes");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // TorchSharp's reader reports a damaged file with whatever bytes it met; the user needs the file's name.
            throw new InvalidDataException($"{optimizerPath} is damaged (not the optimizer state of this model); the run cannot resume from it.");
        }

        return (position, metadata);
    }

    /// <summary>What is wrong with a checkpoint folder that exists but cannot be used, or null when there is none at all.</summary>
    public static string? Damage(string directory)
    {
        foreach (var candidate in new[] { directory, directory + ".old" })
        {
            if (Directory.Exists(candidate))
            {
                var missing = new[] { PositionFile, ModelFile, OptimizerFile }.Where(f => !File.Exists(Path.Combine(candidate, f))).ToList();
                return $"the checkpoint in {candidate} is incomplete (no {string.Join(", ", missing)}); the run cannot resume from it";
            }
        }

        return null;
    }

    /// <summary>
    /// Checks the checkpoint's files against its <c>manifest.json</c> (checkpoints written before it existed have none and
    /// are trusted as before): every recorded file must have its recorded SHA-256, and the recorded config fingerprint must
    /// be the resuming run's.
    /// </summary>
    private static void Verify(string source, string? configFingerprint)
    {
        var path = Path.Combine(source, ManifestFile);
        if (!File.Exists(path))
        {
            return;
        }

        CheckpointManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path), RunFiles.Json) ?? throw new JsonException("empty");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path} is damaged; the run cannot resume from this checkpoint.");
        }

        foreach (var (file, hash) in manifest.Files ?? [])
        {
            var at = Path.Combine(source, Path.GetFileName(file));
            if (!File.Exists(at) || !string.Equals(Sha256(at), hash, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{at} is damaged: it is not the file the checkpoint recorded (its SHA-256 differs); the run cannot resume from it.");
            }
        }

        if (configFingerprint is not null && manifest.Config is not null && manifest.Config != configFingerprint)
        {
            throw new InvalidDataException(
                $"the checkpoint in {source} was written for another config: config.json was edited since, or the checkpoint comes from another run; the run cannot resume from it.");
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private static TrainingPosition ReadPosition(string path)
    {
        UserFile.RequireReadable(path, "checkpoint position");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var required = new[] { nameof(TrainingPosition.EpochsCompleted), nameof(TrainingPosition.BatchesIntoEpoch), nameof(TrainingPosition.Step) };
            if (root.ValueKind != JsonValueKind.Object || required.Any(r => !root.TryGetProperty(r, out _)))
            {
                throw new InvalidDataException($"{path} is damaged: it must hold {string.Join(", ", required)}.");
            }

            return root.Deserialize<TrainingPosition>(RunFiles.Json) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is damaged: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Writes a model's state (parameters and buffers) as safetensors, atomically.</summary>
    public static void SaveWeights(string path, nn.Module model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Safetensors.Write(path, model.state_dict().Select(p => (p.Key, p.Value)), metadata);
    }

    /// <summary>Loads a model's state from safetensors; every tensor must match by name and shape.</summary>
    /// <returns>The file's header metadata.</returns>
    /// <exception cref="InvalidModelFileException">Missing, extra or mis-shaped tensors.</exception>
    public static IReadOnlyDictionary<string, string> LoadWeights(string path, nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var file = Safetensors.Open(path);
        var state = model.state_dict();
        var missing = state.Keys.Where(k => !file.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidModelFileException($"{Path.GetFileName(path)} lacks {missing.Count} of the model's tensors (first: {missing[0]}).");
        }

        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            using var stored = file.Read(name);
            if (!stored.shape.SequenceEqual(target.shape))
            {
                throw new InvalidModelFileException(
                    $"{Path.GetFileName(path)}: '{name}' has shape [{string.Join(", ", stored.shape)}], the model expects [{string.Join(", ", target.shape)}].");
            }

            target.copy_(stored);
        }

        return file.Metadata;
    }

    /// <summary>Metadata that lets any tool read a weights file: parameter layout, heads, preset, init, seed and the model's config.</summary>
    public static Dictionary<string, string> Metadata<TModelConfig>(string layout, int heads, string model, string init, long seed, TModelConfig modelConfig) => new()
    {
        ["format"] = "pt",
        ["mimetic.layout"] = layout,
        ["mimetic.heads"] = heads.ToString(CultureInfo.InvariantCulture),
        ["mimetic.model"] = model,
        ["mimetic.init"] = init,
        ["mimetic.seed"] = seed.ToString(CultureInfo.InvariantCulture),
        ["mimetic.config"] = JsonSerializer.Serialize(modelConfig, RunFiles.Json),
    };

    private static string? Resolve(string directory)
    {
        foreach (var candidate in new[] { directory, directory + ".old" })
        {
            if (File.Exists(Path.Combine(candidate, PositionFile)) && File.Exists(Path.Combine(candidate, ModelFile)) && File.Exists(Path.Combine(candidate, OptimizerFile)))
            {
                return candidate;
            }
        }

        return null;
    }
}
