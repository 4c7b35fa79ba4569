using Mimetic.Io;
using System.Buffers.Binary;
using Onnx;

namespace Mimetic.Analysis.Onnx;

/// <summary>
/// The values of ONNX tensors (initializers and constants), checked against their declared shapes: float32, float16,
/// bfloat16 and float64 as float32; small integer tensors as longs. Weights stored as external data are read from
/// files inside the model's folder, only the bytes the tensor declares, and only if they lie within that file.
/// </summary>
public static class OnnxTensorData
{
    /// <summary>The largest tensor read (elements; 2 GiB of float32).</summary>
    public const long MaxElements = int.MaxValue / sizeof(float);

    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Float16 = (int)TensorProto.Types.DataType.Float16;
    private const int BFloat16 = (int)TensorProto.Types.DataType.Bfloat16;
    private const int Double = (int)TensorProto.Types.DataType.Double;
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;
    private const int Int32 = (int)TensorProto.Types.DataType.Int32;

    /// <summary>The tensor's shape, checked: every dimension non-negative, at most 8 of them, and at most <see cref="MaxElements"/> elements.</summary>
    /// <exception cref="InvalidModelFileException">A dimension is negative or the tensor is too large.</exception>
    public static long[] Shape(TensorProto tensor, string fileName)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _ = ElementCount(tensor, fileName);
        return [.. tensor.Dims];
    }

    /// <summary>Reads a floating-point tensor as float32, row-major.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <param name="modelPath">The model file: external data is looked for in its folder.</param>
    /// <exception cref="InvalidModelFileException">Unsupported type, size mismatch, or external data that cannot be read safely.</exception>
    public static float[] ReadFloats(TensorProto tensor, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(modelPath);
        var fileName = Path.GetFileName(modelPath);
        var count = (int)ElementCount(tensor, fileName);
        var size = tensor.DataType switch
        {
            Float => 4,
            Double => 8,
            Float16 or BFloat16 => 2,
            _ => throw new InvalidModelFileException(
                $"{fileName}: tensor '{tensor.Name}' has ONNX data type {tensor.DataType}; only float32, float16, bfloat16 and float64 weights are read."),
        };

        ReadOnlySpan<byte> bytes;
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            bytes = ExternalData.Read(tensor, modelPath, (long)count * size);
        }
        else if (!tensor.RawData.IsEmpty)
        {
            bytes = tensor.RawData.Span;
        }
        else
        {
            return FromTypedFields(tensor, count, fileName);
        }

        if (bytes.Length != (long)count * size)
        {
            throw new InvalidModelFileException(
                $"{fileName}: tensor '{tensor.Name}' holds {bytes.Length} bytes, but its shape [{string.Join(", ", tensor.Dims)}] needs {(long)count * size}.");
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = tensor.DataType switch
            {
                Float => BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4, 4)),
                Double => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8, 8)),
                Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(i * 2, 2)),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2, 2)) << 16),
            };
        }

        return values;
    }

    /// <summary>The values of a small integer tensor (int32 or int64, at most <paramref name="maxCount"/> elements), or null.</summary>
    public static long[]? SmallIntegers(TensorProto tensor, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DataType is not (Int64 or Int32) || tensor.DataLocation == TensorProto.Types.DataLocation.External
            || tensor.Dims.Count > 1 || tensor.Dims.Any(d => d < 0 || d > maxCount))
        {
            return null;
        }

        var count = tensor.Dims.Count == 0 ? 1 : (int)tensor.Dims[0];
        var size = tensor.DataType == Int64 ? 8 : 4;
        if (!tensor.RawData.IsEmpty)
        {
            var raw = tensor.RawData.ToByteArray();
            return raw.Length != count * size
                ? null
                : [.. Enumerable.Range(0, count).Select(i => size == 8
                    ? BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i * 8, 8))
                    : BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(i * 4, 4)))];
        }

        long[] typed = size == 8 ? [.. tensor.Int64Data] : [.. tensor.Int32Data.Select(v => (long)v)];
        return typed.Length == count ? typed : null;
    }

    /// <summary>The value of a one-element floating-point tensor stored in the file, or null.</summary>
    public static double? Scalar(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DataType is not (Float or Double or Float16 or BFloat16) || tensor.DataLocation == TensorProto.Types.DataLocation.External
            || tensor.Dims.Any(d => d != 1))
        {
            return null;
        }

        try
        {
            var values = ReadFloats(tensor, "constant");
            return values.Length == 1 ? values[0] : null;
        }
        catch (InvalidModelFileException)
        {
            return null;
        }
    }

    private static long ElementCount(TensorProto tensor, string fileName)
    {
        if (tensor.Dims.Count > 8 || tensor.Dims.Any(d => d < 0))
        {
            throw new InvalidModelFileException($"{fileName}: tensor '{tensor.Name}' has an invalid shape [{string.Join(", ", tensor.Dims.Take(9))}].");
        }

        long count = 1;
        foreach (var dim in tensor.Dims)
        {
            if (dim != 0 && count > MaxElements / dim)
            {
                throw new InvalidModelFileException($"{fileName}: tensor '{tensor.Name}' of shape [{string.Join(", ", tensor.Dims)}] is larger than the {MaxElements} elements read at once.");
            }

            count *= dim;
        }

        return count;
    }

    private static float[] FromTypedFields(TensorProto tensor, int count, string fileName)
    {
        float[] values = tensor.DataType switch
        {
            Float => [.. tensor.FloatData],
            Double => [.. tensor.DoubleData.Select(v => (float)v)],
            Float16 => [.. tensor.Int32Data.Select(v => (float)BitConverter.UInt16BitsToHalf((ushort)v))],
            _ => [.. tensor.Int32Data.Select(v => BitConverter.Int32BitsToSingle((v & 0xFFFF) << 16))],
        };

        return values.Length == count
            ? values
            : throw new InvalidModelFileException(
                $"{fileName}: tensor '{tensor.Name}' holds {values.Length} values, but its shape [{string.Join(", ", tensor.Dims)}] needs {count}.");
    }
}
