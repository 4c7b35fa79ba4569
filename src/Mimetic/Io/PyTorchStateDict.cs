using System.Collections;
using System.IO.Compression;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimetic.Io;

/// <summary>
/// Reads and writes PyTorch state-dict files (<c>torch.save(model.state_dict(), …)</c>: .pt, .pth, .bin)
/// through TorchSharp.PyBridge. Only the zip format of PyTorch ≥ 1.6 is supported, with contiguous
/// tensors of at most 2 GiB each. Unpickling builds no arbitrary objects: unknown classes stay inert data.
/// </summary>
public static class PyTorchStateDict
{
    private static readonly byte[] ZipSignature = [0x50, 0x4b, 0x03, 0x04];
    private const byte PickleProtocol = 0x80;

    private static readonly string[] Extensions = [".pt", ".pth", ".bin", ".ckpt"];

    /// <summary>
    /// Whether the file looks like a PyTorch file: a zip archive (what <c>torch.save</c> writes since PyTorch 1.6),
    /// or, under a PyTorch file name (.pt, .pth, .bin, .ckpt), a bare pickle (the legacy format, which
    /// <see cref="Read"/> then names in its error).
    /// </summary>
    public static bool LooksLikePyTorch(string path)
    {
        UserFile.RequireReadable(path, "model file");
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        var read = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return (read == 4 && head.SequenceEqual(ZipSignature))
            || (read >= 1 && head[0] == PickleProtocol && Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads every tensor of a state dict. A state dict nested in a dictionary (e.g. a checkpoint
    /// <c>{"model": state_dict, "epoch": 3}</c>) is flattened with dotted names (<c>model.blocks.0…</c>);
    /// values that are not tensors are skipped. The caller owns the tensors.
    /// </summary>
    /// <exception cref="InvalidModelFileException">The file is not a readable PyTorch state dict.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        UserFile.RequireReadable(path, "model file");
        using var stream = File.OpenRead(path);
        var first = stream.ReadByte();
        stream.Position = 0;
        if (first == PickleProtocol)
        {
            throw Invalid(path, "it uses the legacy (pre-1.6) torch.save format; re-save it with a current PyTorch or convert it to safetensors");
        }

        Inspect(path, stream);
        stream.Position = 0;
        Hashtable loaded;
        try
        {
            loaded = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidModelFileException(Invalid(path, Cause(e)).Message, e);
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Flatten(loaded, "", tensors, depth: 0);
        if (tensors.Count == 0)
        {
            throw Invalid(path, "it holds no tensors (save model.state_dict(), not the whole model)");
        }

        return tensors;
    }

    /// <summary>Writes tensors as a PyTorch state dict that <c>torch.load</c> reads. Tensors are saved contiguous.</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            state[name] = tensor.detach().cpu().contiguous();
        }

        AtomicFile.WriteVia(path, temporary => PyTorchPickler.PickleStateDict(temporary, state));
    }

    private static void Flatten(IDictionary dictionary, string prefix, Dictionary<string, Tensor> into, int depth)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            var name = prefix + Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture);
            switch (entry.Value)
            {
                case Tensor tensor:
                    into[name] = tensor;
                    break;
                case IDictionary nested when depth < 4:
                    Flatten(nested, name + ".", into, depth + 1);
                    break;
            }
        }
    }

    /// <summary>Whether <paramref name="path"/> has a PyTorch file name (.pt, .pth, .bin, .ckpt).</summary>
    internal static bool HasPyTorchExtension(string path) => Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    // Everything that can be checked without building tensors: a zip archive with one data.pkl, and a pickle that names
    // only what a state dict is made of (the allow-list of torch.load(weights_only=True)).
    private static void Inspect(string path, FileStream stream)
    {
        var startsLikeZip = stream.Length >= 4 && LooksLikePyTorch(path);
        ZipArchive zip;
        List<ZipArchiveEntry> pickles;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            pickles = [.. zip.Entries.Where(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))];
        }
        catch (InvalidDataException)
        {
            throw Invalid(path, startsLikeZip
                ? "it is truncated or damaged (its zip archive has no readable directory at the end)"
                : "it is not a zip archive (torch.save writes one)");
        }

        using (zip)
        {
            if (pickles.Count != 1)
            {
                throw Invalid(path, pickles.Count == 0
                    ? "its zip archive holds no data.pkl, so torch.save did not write it"
                    : "its zip archive holds more than one data.pkl");
            }

            var entry = pickles[0];
            if (entry.Length > MaxPickleBytes)
            {
                throw Invalid(path, $"its data.pkl has {entry.Length} bytes, more than the {MaxPickleBytes} a state dict's pickle needs");
            }

            byte[] pickle;
            try
            {
                using var content = entry.Open();
                using var copy = new MemoryStream();
                content.CopyTo(copy);
                pickle = copy.ToArray();
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw Invalid(path, "its zip archive is damaged (data.pkl cannot be read back)");
            }

            IReadOnlyList<PickleScan.Global> globals;
            try
            {
                globals = PickleScan.Globals(pickle);
            }
            catch (PickleScan.MalformedPickleException e)
            {
                throw Invalid(path, $"its pickle (data.pkl) {e.Message}");
            }

            var foreign = globals.Where(g => !IsStateDictGlobal(g)).Select(g => g.ToString()).Distinct().ToList();
            if (foreign.Count > 0)
            {
                throw Invalid(path, foreign.Any(g => g.StartsWith("torch.nn.modules.", StringComparison.Ordinal) || g.StartsWith("__main__.", StringComparison.Ordinal))
                    ? $"it holds a whole model (it builds '{Shorten(foreign[0])}'), not a state dict; save model.state_dict() instead, or convert it to safetensors"
                    : $"its pickle builds arbitrary objects (it names '{Shorten(foreign[0])}'), which are not read; only tensors in dictionaries are (a state dict)");
            }
        }
    }

    private const long MaxPickleBytes = 256L << 20;

    private static readonly HashSet<string> StateDictGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter",
        "torch.serialization._get_layout",
        "torch.storage.UntypedStorage",
        "torch.storage.TypedStorage",
        "torch.Size",
        "torch.device",
        "torch.strided",
        "_codecs.encode",
        "builtins.set",
        "builtins.frozenset",
        "builtins.bytearray",
    };

    private static readonly HashSet<string> DTypeNames = new(StringComparer.Ordinal)
    {
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int", "int16",
        "short", "int8", "uint8", "bool", "complex64", "complex128", "cfloat", "cdouble",
    };

    private static bool IsStateDictGlobal(PickleScan.Global global) =>
        StateDictGlobals.Contains(global.ToString())
        || (global.Module == "torch" && (global.Name.EndsWith("Storage", StringComparison.Ordinal) || DTypeNames.Contains(global.Name)));

    // What the unpickler's exception means, in words: never its type name or its raw message.
    private static string Cause(Exception e)
    {
        var message = e.Message;
        return e switch
        {
            EndOfStreamException => "a tensor needs more bytes than its storage holds (storage out of bounds, or a truncated storage)",
            _ when message.Contains("out of bounds", StringComparison.OrdinalIgnoreCase)
                => "a tensor reaches past the end of its storage (storage out of bounds)",
            InvalidDataException => "its zip archive is damaged",
            KeyNotFoundException or FileNotFoundException => "a tensor's storage is missing from its zip archive",
            InvalidOperationException when message.Contains("no matching element", StringComparison.Ordinal)
                => "a tensor's storage is missing from its zip archive",
            InvalidCastException => "its pickle does not hold a dictionary of tensors (a state dict)",
            _ => "its pickle or its storages do not describe valid tensors",
        };
    }

    private static string Shorten(string text)
    {
        var clean = new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]);
        return clean.Length <= 80 ? clean : clean[..77] + "...";
    }

    private static InvalidModelFileException Invalid(string path, string why) =>
        new($"{Path.GetFileName(path)} is not a readable PyTorch state dict: {why}.");
}
