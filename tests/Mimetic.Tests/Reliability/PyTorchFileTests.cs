using System.IO.Compression;
using System.Text;
using Mimetic.Cli;
using Mimetic.Io;
using Mimetic.Tests.Analysis;
using Mimetic.Tests.Cli;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Issue 24, class 6: a malformed PyTorch file is one line in our words that names the file and the cause — never the
/// reader's exception type or its raw message.
/// </summary>
public sealed class PyTorchFileTests : IDisposable
{
    private const string Unreadable = "is not a readable PyTorch state dict: ";

    private readonly string root = Directory.CreateTempSubdirectory("mimetic-pytorch-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public void ATruncatedFileIsCalledTruncated(double kept)
    {
        var path = ValidFile("model.pt");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * kept)]);

        AssertRefused(path, "it is truncated or damaged (its zip archive has no readable directory at the end).");
    }

    [Fact]
    public void AFileThatIsNoZipArchiveIsSaidToBeNone()
    {
        var path = Path.Combine(root, "model.pt");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("this is not what torch.save writes, not at all"));

        AssertRefused(path, "it is not a zip archive (torch.save writes one), nor a safetensors file.");
    }

    [Fact]
    public void AZipWithADamagedDirectoryIsDamaged()
    {
        var path = ValidFile("model.pt");
        var bytes = File.ReadAllBytes(path);
        var directory = FindLast(bytes, [0x50, 0x4b, 0x01, 0x02]);
        bytes.AsSpan(directory, 30).Fill(0xff);
        File.WriteAllBytes(path, bytes);

        AssertRefused(path, "it is truncated or damaged (its zip archive has no readable directory at the end).");
    }

    [Fact]
    public void AZipWithoutAPickleIsNotATorchSaveFile()
    {
        var path = Zip("model.pt", ("archive/version", "3\n"u8.ToArray()));

        AssertRefused(path, "its zip archive holds no data.pkl, so torch.save did not write it.");
    }

    [Fact]
    public void APickleThatCallsAFunctionIsRefused()
    {
        // pickle.dumps(os.system("echo owned"), protocol=2) as torch.save would store it: GLOBAL posix.system, REDUCE.
        var pickle = Pickle("\u0080\u0002cposix\nsystem\nq\u0000X\u000a\u0000\u0000\u0000echo ownedq\u0001\u0085q\u0002Rq\u0003.");
        var path = Zip("model.pt", ("archive/data.pkl", pickle), ("archive/version", "3\n"u8.ToArray()));

        AssertRefused(path, "its pickle builds arbitrary objects (it names 'posix.system'), which are not read; only tensors in dictionaries are (a state dict).");
    }

    [Fact]
    public void AStackGlobalIsSeenToo()
    {
        // Protocol 4: the module and name are pushed as strings, memoized, and joined by STACK_GLOBAL.
        var pickle = Pickle("\u0080\u0004\u008c\u0008builtins\u0094\u008c\u0004eval\u0094\u0093\u0094\u008c\u00041+1\u0094\u0085\u0094R\u0094.");
        var path = Zip("model.pt", ("archive/data.pkl", pickle));

        AssertRefused(path, "its pickle builds arbitrary objects (it names 'builtins.eval'), which are not read; only tensors in dictionaries are (a state dict).");
    }

    [Fact]
    public void AWholeModelIsToldToBeSavedAsAStateDict()
    {
        // torch.save(model): the module's class, built by NEWOBJ and filled by BUILD.
        var pickle = Pickle("\u0080\u0002ctorch.nn.modules.linear\nLinear\nq\u0000)\u0081q\u0001}q\u0002X\u0008\u0000\u0000\u0000trainingq\u0003\u0088sb.");
        var path = Zip("model.pt", ("archive/data.pkl", pickle));

        AssertRefused(path, "it holds a whole model (it builds 'torch.nn.modules.linear.Linear'), not a state dict; save model.state_dict() instead, or convert it to safetensors.");
    }

    [Fact]
    public void APickleCutShortIsTruncated()
    {
        var path = Zip("model.pt", ("archive/data.pkl", Pickle("\u0080\u0002ccollections\nOrderedDict\nq\u0000)Rq\u0001X\u0005\u0000\u0000")));

        AssertRefused(path, "its pickle (data.pkl) ends inside an opcode (truncated).");
    }

    [Fact]
    public void AStorageShorterThanItsTensorIsRefused()
    {
        var path = ValidFile("model.pt");
        var storage = HalveLargestStorage(path);

        var result = CliRunner.Run("analyze", path, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: model.pt {Unreadable}", line, StringComparison.Ordinal);
        Assert.Contains("storage", line[("error: model.pt " + Unreadable).Length..], StringComparison.Ordinal);
        AssertNoTypeNames(line);
        Assert.NotNull(storage);
    }

    [Theory]
    [InlineData("\u00e8\u0003", "a tensor reaches past the end of its storage (storage out of bounds).")]
    [InlineData("\u0000", "a tensor's storage is missing from its zip archive.")]
    public void AStorageOutOfBoundsOrMissingIsNamed(string offset, string cause)
    {
        // Python's pickle of {qkv: _rebuild_tensor_v2(storage '0' of 48 floats, offset, (12, 4), (4, 1)), proj: storage '1'}:
        // an offset of 1000 (BININT2 e8 03) reaches past storage '0'; with offset 0 it is storage '1' that is left out.
        var pickle = Pickle(
            "\u0080\u0002ccollections\nOrderedDict\nq\u0000)Rq\u0001(X\u0018\u0000\u0000\u0000blocks.0.attn.qkv.weightq\u0002ctorch._utils\n" +
            "_rebuild_tensor_v2\nq\u0003((X\u0007\u0000\u0000\u0000storageq\u0004ctorch\nFloatStorage\nq\u0005X\u0001\u0000\u0000\u00000q\u0006" +
            "X\u0003\u0000\u0000\u0000cpuq\u0007K0tq\u0008Q" + (offset.Length == 2 ? "M" : "K") + offset +
            "K\u000cK\u0004\u0086q\u0009K\u0004K\u0001\u0086q\n\u0089h\u0000)Rq\u000btq\u000cRq\u000dX\u0019\u0000\u0000\u0000" +
            "blocks.0.attn.proj.weightq\u000eh\u0003((h\u0004h\u0005X\u0001\u0000\u0000\u00001q\u000fh\u0007K\u0010tq\u0010QK\u0000K\u0004K\u0004" +
            "\u0086q\u0011h\n\u0089h\u0000)Rq\u0012tq\u0013Rq\u0014u.");
        (string, byte[])[] storages = offset.Length == 2
            ? [("archive/data/0", new byte[192]), ("archive/data/1", new byte[64])]
            : [("archive/data/0", new byte[192])];

        AssertRefused(Zip("model.pt", [("archive/data.pkl", pickle), ("archive/version", "3\n"u8.ToArray()), .. storages]), cause);
    }

    [Fact]
    public void AValidFileStillReads()
    {
        var path = ValidFile("model.pt");

        var tensors = PyTorchStateDict.Read(path);

        Assert.Equal(6, tensors.Count);
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }

    private string ValidFile(string name)
    {
        var path = Path.Combine(root, name);
        var layer = MathLayer.Identity(4);
        PyTorchStateDict.Write(path, LayoutFiles.Tensors("timm", [layer]));
        return path;
    }

    private string Zip(string name, params (string Entry, byte[] Content)[] entries)
    {
        var path = Path.Combine(root, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entry, content) in entries)
        {
            using var stream = zip.CreateEntry(entry, CompressionLevel.NoCompression).Open();
            stream.Write(content);
        }

        return path;
    }

    // Rewrites the archive with its largest storage cut to half its bytes; returns the storage's entry name.
    private static string? HalveLargestStorage(string path)
    {
        var entries = new List<(string Name, byte[] Content)>();
        using (var zip = ZipFile.OpenRead(path))
        {
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                entries.Add((entry.FullName, copy.ToArray()));
            }
        }

        var storages = entries.Where(e => e.Name.Contains("/data/", StringComparison.Ordinal)).ToList();
        if (storages.Count == 0)
        {
            return null;
        }

        var storage = entries.IndexOf(storages.MaxBy(e => e.Content.Length));
        entries[storage] = (entries[storage].Name, entries[storage].Content[..(entries[storage].Content.Length / 2)]);
        File.Delete(path);
        using var rewritten = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using var stream = rewritten.CreateEntry(name, CompressionLevel.NoCompression).Open();
            stream.Write(content);
        }

        return entries[storage].Name;
    }

    private static byte[] Pickle(string text) => [.. text.Select(c => (byte)c)];

    private static int FindLast(byte[] bytes, byte[] pattern)
    {
        var at = bytes.AsSpan().LastIndexOf(pattern);
        Assert.True(at >= 0, "pattern not found");
        return at;
    }

    private static void AssertRefused(string path, string cause)
    {
        var result = CliRunner.Run("analyze", path, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"error: {Path.GetFileName(path)} {Unreadable}{cause}", line);
        AssertNoTypeNames(line);
        var direct = Assert.Throws<InvalidModelFileException>(() => WeightFile.Open(path));
        Assert.Equal(line["error: ".Length..], direct.Message);
    }

    private static void AssertNoTypeNames(string line)
    {
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\b(Pickle|InvalidCast|EndOfStream|External)\w*\b", line);
    }
}
