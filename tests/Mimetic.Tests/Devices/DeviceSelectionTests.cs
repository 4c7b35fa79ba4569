using Mimetic.Devices;
using Mimetic.Init;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Tests.Devices;

public class DeviceSelectionTests
{
    [Theory]
    [InlineData("auto", DeviceRequestKind.Auto, null, "auto")]
    [InlineData("cpu", DeviceRequestKind.Cpu, null, "cpu")]
    [InlineData(" CPU ", DeviceRequestKind.Cpu, null, "cpu")]
    [InlineData("cuda", DeviceRequestKind.Cuda, null, "cuda")]
    [InlineData("cuda:0", DeviceRequestKind.Cuda, 0, "cuda:0")]
    [InlineData("Cuda:12", DeviceRequestKind.Cuda, 12, "cuda:12")]
    public void ParsesEveryDeviceNameAndWritesItBack(string text, DeviceRequestKind kind, int? index, string written)
    {
        var request = DeviceRequest.Parse(text);
        Assert.Equal(new DeviceRequest(kind, index), request);
        Assert.Equal(written, request.ToString());
        Assert.Equal(request, DeviceRequest.Parse(request.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:+1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:99999999999")]
    [InlineData("cpu:0")]
    [InlineData("mps")]
    public void RejectsAnythingElseWithTheSyntaxInTheMessage(string text)
    {
        Assert.False(DeviceRequest.TryParse(text, out _));
        var error = Assert.Throws<ArgumentException>(() => DeviceRequest.Parse(text));
        Assert.Contains("auto | cpu | cuda | cuda:N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoIsCudaZeroWhenAvailableElseCpu()
    {
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve(DeviceRequest.Auto, CudaAvailability.None).type);
        var gpu = DeviceSelector.Resolve(DeviceRequest.Auto, new CudaAvailability(true, 2));
        Assert.Equal((DeviceType.CUDA, 0), (gpu.type, gpu.index));
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve(DeviceRequest.Cpu, new CudaAvailability(true, 2)).type);
    }

    [Fact]
    public void CudaPicksTheIndexThatExists()
    {
        var cuda = new CudaAvailability(true, 2);
        var plain = DeviceSelector.Resolve(DeviceRequest.Parse("cuda"), cuda);
        var second = DeviceSelector.Resolve(DeviceRequest.Parse("cuda:1"), cuda);
        Assert.Equal((DeviceType.CUDA, 0), (plain.type, plain.index));
        Assert.Equal((DeviceType.CUDA, 1), (second.type, second.index));
        Assert.Equal("cuda:1", DeviceSelector.Name(second));
        Assert.Equal("cpu", DeviceSelector.Name(CPU));

        var missing = Assert.Throws<CudaUnavailableException>(() => DeviceSelector.Resolve(DeviceRequest.Parse("cuda:2"), cuda));
        Assert.Contains("2 CUDA device(s), cuda:0 to cuda:1", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("cuda:3")]
    public void CudaWithoutCudaIsOneLineNamingTheBackendPackageAndTheBuildProperty(string text)
    {
        var error = Assert.Throws<CudaUnavailableException>(() => DeviceSelector.Resolve(DeviceRequest.Parse(text), CudaAvailability.None));
        Assert.Contains("libtorch-cuda-12.8-linux-x64", error.Message, StringComparison.Ordinal);
        Assert.Contains("-p:TorchBackend=cuda", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"device '{text}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(text, error.Request.ToString());
    }

    [Fact]
    public void ThisProcessResolvesAgainstItsOwnLibtorch()
    {
        // The tests reference libtorch-cpu unless built with -p:TorchBackend=cuda.
        var available = cuda.is_available();
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve("cpu").type);
        Assert.Equal(available ? DeviceType.CUDA : DeviceType.CPU, DeviceSelector.Resolve("auto").type);
        if (!available)
        {
            Assert.Throws<CudaUnavailableException>(() => DeviceSelector.Resolve("cuda"));
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(768)]
    public void AutoSolverTakesTheFloat32RouteOffTheCpu(int width)
    {
        Assert.Equal(MimeticSolver.Float32Gram, MimeticOptions.Resolve(MimeticSolver.Auto, width, DeviceType.CUDA));
        Assert.Equal(MimeticOptions.Resolve(MimeticSolver.Auto, width), MimeticOptions.Resolve(MimeticSolver.Auto, width, DeviceType.CPU));
        Assert.Equal(width <= MimeticOptions.AutoFloat64MaxWidth ? MimeticSolver.Float64Svd : MimeticSolver.Float32Gram,
            MimeticOptions.Vision.SolverFor(width, DeviceType.CPU));
        Assert.Equal(MimeticSolver.Float64Svd, MimeticOptions.Resolve(MimeticSolver.Float64Svd, width, DeviceType.CUDA));
    }
}
