using System.Collections;
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

        Hashtable loaded;
        try
        {
            loaded = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Invalid(path, $"{e.GetType().Name}: {e.Message.Split('\n', 2)[0].Trim()}");
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

    private static InvalidModelFileException Invalid(string path, string why) =>
        new($"{Path.GetFileName(path)} is not a readable PyTorch state dict: {why}.");
}
