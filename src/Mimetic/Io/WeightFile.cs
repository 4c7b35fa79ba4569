using static TorchSharp.torch;

namespace Mimetic.Io;

/// <summary>
/// A model file's named tensors and string metadata, whatever the format: safetensors (read lazily, one
/// tensor at a time) or a PyTorch state dict (.pt/.pth/.bin, read whole). The format is recognised from the
/// file's first bytes, not its name.
/// </summary>
public sealed class WeightFile : IDisposable
{
    private readonly SafetensorsFile? safetensors;
    private readonly Dictionary<string, Tensor>? loaded;
    private readonly HashSet<string> names;

    private WeightFile(string path, SafetensorsFile file)
    {
        Path = path;
        Format = SafetensorsFormat;
        safetensors = file;
        Names = file.Entries.Select(e => e.Name).ToList();
        Metadata = file.Metadata;
        names = new HashSet<string>(Names, StringComparer.Ordinal);
    }

    private WeightFile(string path, Dictionary<string, Tensor> tensors)
    {
        Path = path;
        Format = PyTorchFormat;
        loaded = tensors;
        Names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        Metadata = new Dictionary<string, string>();
        names = new HashSet<string>(Names, StringComparer.Ordinal);
    }

    /// <summary>The <see cref="Format"/> of a safetensors file.</summary>
    public const string SafetensorsFormat = "safetensors";

    /// <summary>The <see cref="Format"/> of a PyTorch state-dict file.</summary>
    public const string PyTorchFormat = "pytorch";

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary><see cref="SafetensorsFormat"/> or <see cref="PyTorchFormat"/>.</summary>
    public string Format { get; }

    /// <summary>The tensor names (safetensors: header order; PyTorch: sorted).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>String metadata (safetensors' <c>__metadata__</c>; empty for PyTorch files).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a model file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The path is a directory.</exception>
    /// <exception cref="NotARegularFileException">The path is a named pipe, a device or a socket.</exception>
    /// <exception cref="InvalidModelFileException">The file is malformed or of an unknown format.</exception>
    public static WeightFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"'{path}' is a directory; pass a model file (.safetensors, .pt, .pth or .bin).");
        }

        UserFile.RequireReadable(path, "model file");
        if (PyTorchStateDict.LooksLikePyTorch(path))
        {
            return new WeightFile(path, PyTorchStateDict.Read(path));
        }

        try
        {
            return new WeightFile(path, Safetensors.Open(path));
        }
        catch (InvalidModelFileException) when (PyTorchStateDict.HasPyTorchExtension(path))
        {
            throw new InvalidModelFileException(
                $"{System.IO.Path.GetFileName(path)} is not a readable PyTorch state dict: it is not a zip archive (torch.save writes one), nor a safetensors file.");
        }
    }

    /// <summary>Whether a tensor of this name is stored.</summary>
    public bool Contains(string name) => names.Contains(name);

    /// <summary>The stored shape of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    public long[] Shape(string name)
    {
        Require(name);
        return safetensors is not null
            ? safetensors.Entries.First(e => e.Name == name).Shape
            : loaded![name].shape;
    }

    /// <summary>
    /// Reads one floating-point tensor (F16, BF16, F32 or F64) as float32. The caller owns the returned tensor (it joins
    /// the current dispose scope).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    /// <exception cref="InvalidModelFileException">The tensor holds integers or booleans, which are not weights.</exception>
    public Tensor ReadFloat(string name)
    {
        Require(name);
        if (safetensors is not null)
        {
            var dtype = safetensors.Entries.First(e => e.Name == name).DType;
            if (!Safetensors.IsFloatingPoint(dtype))
            {
                throw NotFloatingPoint(name, dtype);
            }

            var stored = safetensors.Read(name);
            if (stored.dtype == ScalarType.Float32)
            {
                return stored;
            }

            using (stored)
            {
                return stored.to(ScalarType.Float32);
            }
        }

        var tensor = loaded![name];
        if (!tensor.is_floating_point())
        {
            throw NotFloatingPoint(name, tensor.dtype.ToString());
        }

        return tensor.dtype == ScalarType.Float32 ? tensor.alias() : tensor.to(ScalarType.Float32);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (loaded is null)
        {
            return;
        }

        foreach (var tensor in loaded.Values)
        {
            tensor.Dispose();
        }

        loaded.Clear();
    }

    private InvalidModelFileException NotFloatingPoint(string name, string dtype) =>
        new($"{System.IO.Path.GetFileName(Path)}: tensor '{name}' holds {dtype} values; weights must be floating point (F16, BF16, F32 or F64).");

    private void Require(string name)
    {
        if (!names.Contains(name))
        {
            throw new KeyNotFoundException($"{System.IO.Path.GetFileName(Path)} has no tensor '{name}'.");
        }
    }
}
