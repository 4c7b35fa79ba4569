using System.Buffers.Binary;
using System.Text;
using Mimetic.Analysis;
using Mimetic.Io;
using static TorchSharp.torch;

namespace Mimetic.Tests.Analysis;

public sealed class SafetensorsHardeningTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, 1_000_000L, "claims 1000000 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, 200_000_000L, "more than the")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, null, "not a range inside the 8-byte data section")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", 8, null, "not a range inside")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 8, null, "not non-negative integers")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, null, "overlapping")]
    [InlineData("""{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", 8, null, "unknown or unsupported dtype 'Q4'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, null, "does not fit its 8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, null, "does not fit")]
    [InlineData("""{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}""", 8, null, "invalid shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", 8, null, "two data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, null, "twice")]
    [InlineData("""{"__metadata__":{"mimetic.heads":2}}""", 0, null, "is not a string")]
    [InlineData("""not json at all""", 0, null, "not valid JSON")]
    [InlineData("""[1, 2, 3]""", 0, null, "not a JSON object")]
    public void HostileHeaderIsAOneLineInvalidModelFile(string header, int dataBytes, long? claimedHeaderLength, string expected)
    {
        var path = directory.File("hostile.safetensors");
        WriteRaw(path, header, new byte[dataBytes], claimedHeaderLength);

        var error = Assert.Throws<InvalidModelFileException>(() => Safetensors.Open(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("hostile.safetensors is not a valid safetensors file: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void FileShorterThanTheLengthFieldIsInvalid()
    {
        var path = directory.File("tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<InvalidModelFileException>(() => Safetensors.Open(path));

        Assert.Contains("fewer than the 8-byte header length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileFileFailsTheWholeAnalysisWithTheSameMessage()
    {
        var path = directory.File("model.safetensors");
        WriteRaw(path, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8], claimedHeaderLength: 4096);

        var error = Assert.Throws<InvalidModelFileException>(() => ModelFileAnalysis.Analyze(path));

        Assert.Contains("the header claims 4096 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ControlCharactersAndLongNamesAreShortenedInMessages()
    {
        var path = directory.File("names.safetensors");
        var name = "evil\\nname" + new string('x', 500);
        WriteRaw(path, "{\"" + name + "\":{\"dtype\":\"XX\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);

        var error = Assert.Throws<InvalidModelFileException>(() => Safetensors.Open(path));

        Assert.DoesNotContain('\n', error.Message);
        Assert.True(error.Message.Length < 300, error.Message);
    }

    [Fact]
    public void WrittenFileRoundTrips()
    {
        var path = directory.File("ok.safetensors");
        using var a = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var b = ones(4, dtype: ScalarType.BFloat16);
        Safetensors.Write(path, [("a", a), ("b", b)], new Dictionary<string, string> { ["k"] = "v" });

        var file = Safetensors.Open(path);

        Assert.Equal("v", file.Metadata["k"]);
        using var readA = file.Read("a");
        using var readB = file.Read("b");
        Assert.True(readA.allclose(a));
        Assert.Equal(ScalarType.BFloat16, readB.dtype);
    }

    [Fact]
    public void PyTorchZipWithGarbageInsideIsAOneLineInvalidModelFile()
    {
        var path = directory.File("broken.pt");
        File.WriteAllBytes(path, [0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]);

        var error = Assert.Throws<InvalidModelFileException>(() => WeightFile.Open(path));

        Assert.StartsWith("broken.pt is not a readable PyTorch state dict: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void LegacyPyTorchPickleIsNamedAsSuch()
    {
        var path = directory.File("old.pth");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);

        var error = Assert.Throws<InvalidModelFileException>(() => WeightFile.Open(path));

        Assert.Contains("legacy (pre-1.6) torch.save format", error.Message, StringComparison.Ordinal);
    }

    private static void WriteRaw(string path, string header, byte[] data, long? claimedHeaderLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(claimedHeaderLength ?? json.Length));
        File.WriteAllBytes(path, [.. prefix, .. json, .. data]);
    }
}
