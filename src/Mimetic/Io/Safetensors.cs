using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Mimetic.Io;

/// <summary>A malformed or unsupported file. The message is one line, fit to show a user.</summary>
public sealed class InvalidModelFileException : Exception
{
    /// <summary>A malformed file, described by <paramref name="message"/>.</summary>
    public InvalidModelFileException(string message)
        : base(message)
    {
    }

    /// <summary>A malformed file, described by <paramref name="message"/>; <paramref name="cause"/> is what the reader met (shown only with MIMETIC_DEBUG=1).</summary>
    public InvalidModelFileException(string message, Exception cause)
        : base(message, cause)
    {
    }
}

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">The safetensors dtype (F32, F16, BF16, …).</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Begin">Start of its bytes, relative to the data section.</param>
/// <param name="End">End of its bytes (exclusive), relative to the data section.</param>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header,
/// then raw little-endian tensor bytes). Reading is bounded and validated: a hostile header cannot
/// cause an over-read or a huge allocation.
/// </summary>
public static class Safetensors
{
    /// <summary>The largest header accepted (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The largest tensor rank accepted.</summary>
    public const int MaxRank = 8;

    /// <summary>The largest single tensor <see cref="SafetensorsFile.Read"/> loads (2 GiB, a .NET array's limit).</summary>
    public const long MaxTensorBytes = int.MaxValue;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>
    /// Writes tensors (in the given order) and string metadata to <paramref name="path"/>, atomically:
    /// the file appears complete or not at all.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }

        long offset = 0;
        foreach (var (name, tensor) in list)
        {
            var dtype = DTypes.FirstOrDefault(d => d.Value.Type == tensor.dtype).Key
                ?? throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store.");
            var length = tensor.numel() * DTypes[dtype].Size;
            header[name] = new { dtype, shape = tensor.shape, data_offsets = new[] { offset, offset + length } };
            offset += length;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
            stream.Write(prefix);
            stream.Write(json);
            stream.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
            foreach (var (_, tensor) in list)
            {
                using var contiguous = tensor.detach().cpu().contiguous();
                stream.Write(contiguous.bytes);
            }
        });
    }

    /// <summary>Opens a safetensors file and validates its header against the file's size.</summary>
    /// <exception cref="InvalidModelFileException">The file is malformed.</exception>
    /// <exception cref="NotARegularFileException">The path is not a regular file (a pipe, a device, a folder).</exception>
    public static SafetensorsFile Open(string path)
    {
        UserFile.RequireReadable(path, "weights file");
        using var stream = File.OpenRead(path);
        var length = stream.Length;
        if (length < 8)
        {
            throw Invalid(path, $"the file has {length} bytes, fewer than the 8-byte header length");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw Invalid(path, $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes} allowed");
        }

        if ((long)headerLength > length - 8)
        {
            throw Invalid(path, $"the header claims {headerLength} bytes but the file has {length - 8} after the length field");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var (entries, metadata) = ParseHeader(path, headerBytes, length - dataStart);
        return new SafetensorsFile(path, dataStart, entries, metadata);
    }

    internal static (ScalarType Type, int Size) DType(string name) => DTypes[name];

    /// <summary>Whether a safetensors dtype name is a floating-point type (F16, BF16, F32, F64).</summary>
    public static bool IsFloatingPoint(string dtype) => dtype is "F16" or "BF16" or "F32" or "F64";

    private static (IReadOnlyList<SafetensorsEntry>, IReadOnlyDictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        try
        {
            _ = StrictUtf8.GetCharCount(header);
        }
        catch (DecoderFallbackException e)
        {
            throw Invalid(path, $"the header is not valid UTF-8 (at byte {8 + e.Index})");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"the header is not valid JSON ({e.Message.Split('\n')[0]})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "the header is not a JSON object");
            }

            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Invalid(path, $"the header names '{Shorten(property.Name)}' twice");
                }

                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }

            RequireNoOverlap(path, entries);
            RequireEveryByteUsed(path, entries, dataLength);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "__metadata__ is not an object");
        }

        foreach (var item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw Invalid(path, $"metadata value '{Shorten(item.Name)}' is not a string");
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Invalid(path, $"tensor '{Shorten(name)}' lacks a string dtype, an array shape or two data_offsets");
        }

        var shown = Shorten(name);
        var dtype = dtypeElement.GetString()!;
        if (!DTypes.TryGetValue(dtype, out var type))
        {
            throw Invalid(path, $"tensor '{shown}' has the unknown or unsupported dtype '{Shorten(dtype)}' (supported: {string.Join(", ", DTypes.Keys)})");
        }

        // Each element must be a non-negative integer; anything else (strings, fractions, negatives) maps to −1.
        var shape = shapeElement.EnumerateArray().Select(NonNegativeInteger).ToArray();
        if (shape.Any(s => s < 0) || shape.Length > MaxRank)
        {
            throw Invalid(path, $"tensor '{shown}' has an invalid shape (expected at most {MaxRank} non-negative integers)");
        }

        var offsets = offsetsElement.EnumerateArray().Select(NonNegativeInteger).ToArray();
        if (offsets.Any(o => o < 0))
        {
            throw Invalid(path, $"tensor '{shown}' has data offsets that are not non-negative integers");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin || end > dataLength)
        {
            throw Invalid(path, $"tensor '{shown}' has data offsets [{begin}, {end}], not a range inside the {dataLength}-byte data section");
        }

        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (product, size) => checked(product * size)) * type.Size);
        }
        catch (OverflowException)
        {
            bytes = -1;
        }

        if (bytes != end - begin)
        {
            throw Invalid(path, $"tensor '{shown}' has shape [{string.Join(", ", shape)}] of {dtype}, which does not fit its {end - begin} bytes");
        }

        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long NonNegativeInteger(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value) && value >= 0 ? value : -1;

    // Names come from the file: keep messages one short line whatever the file holds.
    private static string Shorten(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= 80 ? clean : clean[..77] + "...";
    }

    private static void RequireNoOverlap(string path, List<SafetensorsEntry> entries)
    {
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Begin < sorted[i - 1].End)
            {
                throw Invalid(path, $"tensors '{Shorten(sorted[i - 1].Name)}' and '{Shorten(sorted[i].Name)}' have overlapping data offsets");
            }
        }
    }

    // As the reference implementation requires: the tensors tile the data section from its first byte to its last. Bytes
    // that belong to no tensor mean the header length or the offsets are wrong (a header length too short leaves the
    // header's tail in the data, and every tensor read from the wrong place).
    private static void RequireEveryByteUsed(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        long expected = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != expected)
            {
                throw Invalid(path, $"bytes {expected} to {entry.Begin} of the data section belong to no tensor (tensor '{Shorten(entry.Name)}' starts at {entry.Begin}); the header's offsets are wrong");
            }

            expected = entry.End;
        }

        if (expected != dataLength)
        {
            throw Invalid(path, entries.Count == 0
                ? $"the header lists no tensors but {dataLength} bytes follow it; the header length may be too short"
                : $"the last {dataLength - expected} of the data section's {dataLength} bytes belong to no tensor; the header length may be too short, or bytes were appended");
        }
    }

    private static InvalidModelFileException Invalid(string path, string why) =>
        new($"{Path.GetFileName(path)} is not a valid safetensors file: {why}.");
}

/// <summary>An opened, validated safetensors file; tensors are read on demand.</summary>
public sealed class SafetensorsFile
{
    private readonly string path;
    private readonly long dataStart;
    private readonly Dictionary<string, SafetensorsEntry> byName;

    internal SafetensorsFile(string path, long dataStart, IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        this.path = path;
        this.dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
        byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The string metadata (<c>__metadata__</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Whether a tensor of this name is stored.</summary>
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>Reads one tensor in its stored dtype.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name.</exception>
    public Tensor Read(string name)
    {
        if (!byName.TryGetValue(name, out var entry))
        {
            throw new KeyNotFoundException($"{Path.GetFileName(path)} has no tensor '{name}'.");
        }

        var length = entry.End - entry.Begin;
        if (length > Safetensors.MaxTensorBytes)
        {
            throw new InvalidModelFileException($"{Path.GetFileName(path)}: tensor '{name}' has {length} bytes, more than the {Safetensors.MaxTensorBytes} this reader loads at once.");
        }

        var bytes = new byte[length];
        using (var stream = File.OpenRead(path))
        {
            if (stream.Length < dataStart + entry.End)
            {
                throw new InvalidModelFileException($"{Path.GetFileName(path)} was truncated after it was opened: tensor '{name}' is no longer complete.");
            }

            stream.Seek(dataStart + entry.Begin, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
        }

        var tensor = empty(entry.Shape, Safetensors.DType(entry.DType).Type);
        tensor.bytes = bytes;
        return tensor;
    }

    /// <summary>Reads every tensor.</summary>
    public Dictionary<string, Tensor> ReadAll() => Entries.ToDictionary(e => e.Name, e => Read(e.Name), StringComparer.Ordinal);
}
