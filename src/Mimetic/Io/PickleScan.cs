using System.Buffers.Binary;
using System.Text;

namespace Mimetic.Io;

/// <summary>
/// Walks a pickle's opcodes without running it, to list the classes and functions it names (<c>GLOBAL</c>,
/// <c>INST</c>, <c>STACK_GLOBAL</c>). Every argument length is checked against the bytes there are.
/// </summary>
internal static class PickleScan
{
    /// <summary>A class or function a pickle names, as <c>module.name</c>.</summary>
    internal readonly record struct Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    /// <summary>Why a pickle could not be walked; the message is a phrase fit to follow "the pickle".</summary>
    internal sealed class MalformedPickleException(string message) : Exception(message);

    /// <summary>The globals <paramref name="pickle"/> names, in order, up to its <c>STOP</c>.</summary>
    /// <exception cref="MalformedPickleException">The pickle ends early or holds an opcode that is not pickle.</exception>
    public static IReadOnlyList<Global> Globals(ReadOnlySpan<byte> pickle)
    {
        var globals = new List<Global>();
        var memo = new Dictionary<long, string?>();
        var strings = new List<string?>();   // the last values pushed, as far as strings matter (STACK_GLOBAL)
        var at = 0;
        while (true)
        {
            if (at >= pickle.Length)
            {
                throw new MalformedPickleException("ends before its STOP opcode (truncated)");
            }

            var op = pickle[at++];
            string? pushed = null;
            var pushes = true;
            switch (op)
            {
                case (byte)'.':   // STOP
                    return globals;
                case (byte)'c' or (byte)'i':   // GLOBAL, INST: module\nname\n
                    var module = Line(pickle, ref at);
                    var name = Line(pickle, ref at);
                    globals.Add(new Global(module, name));
                    break;
                case 0x93:   // STACK_GLOBAL: module and name are the two strings on top of the stack
                    var stackName = strings.Count > 0 ? strings[^1] : null;
                    var stackModule = strings.Count > 1 ? strings[^2] : null;
                    globals.Add(new Global(stackModule ?? "?", stackName ?? "?"));
                    break;
                case (byte)'X' or (byte)'T' or (byte)'B':   // BINUNICODE, BINSTRING, BINBYTES: 4-byte length
                    pushed = Text(pickle, ref at, Length(pickle, ref at, 4), op);
                    break;
                case 0x8c or (byte)'U' or (byte)'C':   // SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES: 1-byte length
                    pushed = Text(pickle, ref at, Length(pickle, ref at, 1), op);
                    break;
                case 0x8d or 0x8e or 0x96:   // BINUNICODE8, BINBYTES8, BYTEARRAY8: 8-byte length
                    pushed = Text(pickle, ref at, Length(pickle, ref at, 8), op);
                    break;
                case 0x8a:   // LONG1
                    Skip(pickle, ref at, Length(pickle, ref at, 1));
                    break;
                case 0x8b:   // LONG4
                    Skip(pickle, ref at, Length(pickle, ref at, 4));
                    break;
                case (byte)'V' or (byte)'S':   // UNICODE, STRING: a line
                    pushed = Line(pickle, ref at);
                    break;
                case (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P':   // FLOAT, INT, LONG, PERSID: a line
                    _ = Line(pickle, ref at);
                    break;
                case (byte)'g':   // GET: a decimal line
                    pushed = memo.GetValueOrDefault(long.TryParse(Line(pickle, ref at), out var key) ? key : -1);
                    break;
                case (byte)'h':   // BINGET
                    pushed = memo.GetValueOrDefault(Unsigned(pickle, ref at, 1));
                    break;
                case (byte)'j':   // LONG_BINGET
                    pushed = memo.GetValueOrDefault(Unsigned(pickle, ref at, 4));
                    break;
                case (byte)'p':   // PUT: a decimal line
                    memo[long.TryParse(Line(pickle, ref at), out var put) ? put : -1] = Top(strings);
                    pushes = false;
                    break;
                case (byte)'q':   // BINPUT
                    memo[Unsigned(pickle, ref at, 1)] = Top(strings);
                    pushes = false;
                    break;
                case (byte)'r':   // LONG_BINPUT
                    memo[Unsigned(pickle, ref at, 4)] = Top(strings);
                    pushes = false;
                    break;
                case 0x94:   // MEMOIZE
                    memo[memo.Count] = Top(strings);
                    pushes = false;
                    break;
                case 0x80:   // PROTO
                case (byte)'K':   // BININT1
                case 0x82:   // EXT1
                    Skip(pickle, ref at, 1);
                    break;
                case (byte)'M':   // BININT2
                case 0x83:   // EXT2
                    Skip(pickle, ref at, 2);
                    break;
                case (byte)'J':   // BININT
                case 0x84:   // EXT4
                    Skip(pickle, ref at, 4);
                    break;
                case (byte)'G':   // BINFLOAT
                    Skip(pickle, ref at, 8);
                    break;
                case 0x95:   // FRAME
                    Skip(pickle, ref at, 8);
                    pushes = false;
                    break;
                case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'Q' or (byte)'R'
                    or (byte)'a' or (byte)'b' or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']'
                    or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')' or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87
                    or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x97 or 0x98:
                    break;   // no argument
                default:
                    throw new MalformedPickleException($"holds the byte 0x{op:x2} at offset {at - 1}, which is no pickle opcode (damaged)");
            }

            if (pushes)
            {
                strings.Add(pushed);
                if (strings.Count > 64)
                {
                    strings.RemoveRange(0, 32);
                }
            }
        }
    }

    private static string? Top(List<string?> strings) => strings.Count > 0 ? strings[^1] : null;

    private static long Length(ReadOnlySpan<byte> pickle, ref int at, int size)
    {
        var value = Unsigned(pickle, ref at, size);
        return value <= pickle.Length - at
            ? value
            : throw new MalformedPickleException($"claims {value} bytes at offset {at} but has {pickle.Length - at} left (truncated)");
    }

    private static long Unsigned(ReadOnlySpan<byte> pickle, ref int at, int size)
    {
        if (pickle.Length - at < size)
        {
            throw new MalformedPickleException("ends inside an opcode (truncated)");
        }

        var bytes = pickle.Slice(at, size);
        at += size;
        return size switch
        {
            1 => bytes[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(bytes), long.MaxValue),
        };
    }

    private static void Skip(ReadOnlySpan<byte> pickle, ref int at, long count)
    {
        if (pickle.Length - at < count)
        {
            throw new MalformedPickleException("ends inside an opcode (truncated)");
        }

        at += (int)count;
    }

    private static string? Text(ReadOnlySpan<byte> pickle, ref int at, long length, byte op)
    {
        var bytes = pickle.Slice(at, (int)length);
        at += (int)length;
        return op is (byte)'X' or 0x8c or 0x8d && length <= 256 ? Encoding.UTF8.GetString(bytes) : null;
    }

    private static string Line(ReadOnlySpan<byte> pickle, ref int at)
    {
        var end = pickle[at..].IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new MalformedPickleException("ends inside an opcode (truncated)");
        }

        var line = Encoding.UTF8.GetString(pickle.Slice(at, end));
        at += end + 1;
        return line;
    }
}
