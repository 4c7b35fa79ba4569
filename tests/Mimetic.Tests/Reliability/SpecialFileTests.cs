using System.Diagnostics;
using System.Net.Sockets;
using Mimetic.Cli;
using Mimetic.Data;
using Mimetic.Io;
using Mimetic.Tests.Cli;
using Mimetic.Training;

namespace Mimetic.Tests.Reliability;

/// <summary>
/// Issue 24, class 5: a named pipe, a device, a socket or a folder where a command expects a regular file is one error
/// line, checked before anything opens it (so nothing blocks), and an output path never replaces one.
/// </summary>
public sealed class SpecialFileTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-special-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("model.pt")]
    [InlineData("model.onnx")]
    public void AnalyzingANamedPipeIsOneErrorNotAHang(string name)
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, name));

        var result = SpecialFiles.RunWithin([pipe], "analyze", pipe, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: model file '{pipe}' is a named pipe (FIFO), not a regular file; pass a regular model file", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/null")]
    public void AnalyzingADeviceIsOneErrorNotAnEndlessRead(string device)
    {
        var result = SpecialFiles.RunWithin([], "analyze", device, "--no-plots");

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: model file '{device}' is a character device, not a regular file; pass a regular model file", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void ALinkIsResolvedBeforeTheCheck()
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "pipe"));
        var link = Path.Combine(root, "model.safetensors");
        File.CreateSymbolicLink(link, pipe);
        var toDevice = Path.Combine(root, "zero.onnx");
        File.CreateSymbolicLink(toDevice, "/dev/zero");

        var viaPipe = SpecialFiles.RunWithin([pipe], "analyze", link, "--no-plots");
        var viaDevice = SpecialFiles.RunWithin([], "analyze", toDevice, "--no-plots");

        Assert.Equal($"error: model file '{link}' is a named pipe (FIFO), not a regular file; pass a regular model file", Assert.Single(viaPipe.ErrorLines));
        Assert.Equal($"error: model file '{toDevice}' is a character device, not a regular file; pass a regular model file", Assert.Single(viaDevice.ErrorLines));
        Assert.All(new[] { viaPipe, viaDevice }, r => Assert.Equal(ErrorReport.UsageError, r.ExitCode));
    }

    [Theory]
    [InlineData("--plan")]
    [InlineData(null)]
    public void AStudyFileThatIsANamedPipeIsRefused(string? plan)
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "study.json"));
        var runs = Path.Combine(root, "runs");

        var result = plan is null
            ? SpecialFiles.RunWithin([pipe], "study", pipe, "--runs", runs)
            : SpecialFiles.RunWithin([pipe], "study", pipe, plan, "--runs", runs);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: study file '{pipe}' is a named pipe (FIFO), not a regular file; pass a regular study file", Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(runs));
    }

    [Fact]
    public void ATextFileThatIsADeviceOrAPipeIsRefused()
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "text.txt"));
        var run = Path.Combine(root, "run");

        var fromPipe = SpecialFiles.RunWithin([pipe], "lm-train", "--text", pipe, "--out", run);
        var fromDevice = SpecialFiles.RunWithin([], "lm-train", "--text", "/dev/zero", "--out", run);

        Assert.Equal($"error: text file '{pipe}' is a named pipe (FIFO), not a regular file; pass a regular text file", Assert.Single(fromPipe.ErrorLines));
        Assert.Equal("error: text file '/dev/zero' is a character device, not a regular file; pass a regular text file", Assert.Single(fromDevice.ErrorLines));
        Assert.All(new[] { fromPipe, fromDevice }, r => Assert.Equal(ErrorReport.UsageError, r.ExitCode));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void InitNeverReplacesANamedPipeOrADevice()
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "weights.safetensors"));

        var intoPipe = SpecialFiles.RunWithin([pipe], "init", "--model", "vit-micro", "--out", pipe);
        var intoDevice = SpecialFiles.RunWithin([], "init", "--model", "vit-micro", "--out", "/dev/null");

        Assert.Equal($"error: cannot write '{pipe}': it is a named pipe (FIFO), not a regular file; give a regular file name", Assert.Single(intoPipe.ErrorLines));
        Assert.Equal("error: cannot write '/dev/null': it is a character device, not a regular file; give a regular file name", Assert.Single(intoDevice.ErrorLines));
        Assert.All(new[] { intoPipe, intoDevice }, r => Assert.Equal(ErrorReport.UsageError, r.ExitCode));
        Assert.True(SpecialFiles.IsFifo(pipe));
        Assert.Equal(FileKind.CharacterDevice, UserFile.KindOf("/dev/null"));
        Assert.Empty(Directory.GetFiles(root, "*.tmp"));
    }

    [Fact]
    public void AnalyzeOutIntoANamedPipeIsRefusedAndLeavesIt()
    {
        var model = Path.Combine(root, "vit.safetensors");
        Assert.Equal(0, CliRunner.Run("init", "--model", "vit-micro", "--out", model).ExitCode);
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "pictures"));

        var result = SpecialFiles.RunWithin([pipe], "analyze", model, "--out", pipe);

        Assert.Equal(ErrorReport.UsageError, result.ExitCode);
        Assert.Equal($"error: output folder '{pipe}' is a named pipe (FIFO), not a folder", Assert.Single(result.ErrorLines));
        Assert.True(SpecialFiles.IsFifo(pipe));
    }

    [Fact]
    public void ARunFolderThatIsANamedPipeIsNotTrainedInto()
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "run"));

        var error = Assert.Throws<NotARegularFileException>(() => RunLock.Acquire(pipe));

        Assert.Equal($"run folder '{pipe}' is a named pipe (FIFO), not a folder", error.Message);
        Assert.True(SpecialFiles.IsFifo(pipe));
    }

    [Fact]
    public void EveryKindOfFileIsToldApart()
    {
        var regular = Path.Combine(root, "regular");
        File.WriteAllText(regular, "x");
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "pipe"));
        var linkToRegular = Path.Combine(root, "link");
        File.CreateSymbolicLink(linkToRegular, regular);
        var dangling = Path.Combine(root, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(root, "nothing"));
        var socketPath = Path.Combine(root, "socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        Assert.Equal(FileKind.Regular, UserFile.KindOf(regular));
        Assert.Equal(FileKind.Regular, UserFile.KindOf(linkToRegular));
        Assert.Equal(FileKind.Directory, UserFile.KindOf(root));
        Assert.Equal(FileKind.Fifo, UserFile.KindOf(pipe));
        Assert.Equal(FileKind.CharacterDevice, UserFile.KindOf("/dev/zero"));
        Assert.Equal(FileKind.Socket, UserFile.KindOf(socketPath));
        Assert.Equal(FileKind.Missing, UserFile.KindOf(dangling));
        Assert.Equal(FileKind.Missing, UserFile.KindOf(Path.Combine(root, "nothing")));
        Assert.Throws<NotARegularFileException>(() => UserFile.RequireReadable(socketPath, "model file"));
        Assert.Throws<FileNotFoundException>(() => UserFile.RequireReadable(dangling, "model file"));
    }

    [Fact]
    public void DataFilesThatAreNamedPipesAreRefusedBeforeTheyAreOpened()
    {
        var archive = SpecialFiles.Fifo(Path.Combine(root, "cifar-10-binary.tar.gz"));
        var batch = SpecialFiles.Fifo(Path.Combine(root, "data_batch_1.bin"));
        var names = SpecialFiles.Fifo(Path.Combine(root, "batches.meta.txt"));

        var fromArchive = Within([archive], () => SafeTarExtractor.Extract(archive, Path.Combine(root, "extracted"), [new("set/a.bin", 5)]));
        var fromBatch = Within([batch], () => CifarReader.Read(DatasetInfo.Cifar10, CifarLayout.Cifar10, [batch], recordsPerFile: null));
        var fromNames = Within([names], () => CifarReader.ReadCifar10(root));

        Assert.Contains($"data archive '{archive}' is a named pipe (FIFO), not a regular file; pass a regular data archive", fromArchive.Message, StringComparison.Ordinal);
        Assert.Equal($"data file '{batch}' is a named pipe (FIFO), not a regular file; pass a regular data file", fromBatch.Message);
        Assert.Equal($"class-name file '{names}' is a named pipe (FIFO), not a regular file; pass a regular class-name file", fromNames.Message);
    }

    // Runs `read`, which must throw, within the hang limit (releasing the pipes if it blocks); returns what it threw.
    private static Exception Within(string[] pipes, Func<object> read)
    {
        var run = Task.Run(read);
        if (!((IAsyncResult)run).AsyncWaitHandle.WaitOne(SpecialFiles.HangLimit))
        {
            foreach (var pipe in pipes)
            {
                using var release = new FileStream(pipe, FileMode.Open, FileAccess.ReadWrite);
            }

            Assert.Fail("reading a data file hung on a named pipe");
        }

        return Assert.IsAssignableFrom<Exception>(run.Exception?.InnerException);
    }

    [Fact]
    public void TheRealProcessPrintsOneLineAndEndsWhenGivenANamedPipe()
    {
        var pipe = SpecialFiles.Fifo(Path.Combine(root, "model.safetensors"));

        var (ended, code, output, error) = RunProcess("analyze", pipe, "--no-plots");

        Assert.True(ended, "mimetic hung on a named pipe");
        Assert.Equal(ErrorReport.UsageError, code);
        Assert.Equal("", output);
        Assert.Equal($"error: model file '{pipe}' is a named pipe (FIFO), not a regular file; pass a regular model file\n", error);
    }

    private static (bool Ended, int Code, string Output, string Error) RunProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mimetic.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("MIMETIC_DEBUG");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(SpecialFiles.HangLimit))
        {
            process.Kill(entireProcessTree: true);
            return (false, -1, "", "");
        }

        return (true, process.ExitCode, output.Result, error.Result);
    }
}
