using Mimetic.Init;
using Mimetic.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Tests.Devices;

/// <summary>
/// The init's factorisations run where the weights are. CUDA is not served here, so the check uses libtorch's meta device
/// (shapes only, no data): any tensor the init made on the CPU and mixed with the weights would throw, as it would on CUDA.
/// </summary>
public class InitOnDeviceTests
{
    [Theory]
    [InlineData(WeightInit.Mimetic)]
    [InlineData(WeightInit.MimeticQueryKey)]
    [InlineData(WeightInit.MimeticValueProjectionPositive)]
    [InlineData(WeightInit.SpeedrunValueProjection)]
    public void EveryInitComputesOnTheWeightsDevice(string init)
    {
        // The float64 SVD route: libtorch has no meta kernel for the float32 route's flip (which only reorders columns of eigh's output).
        var meta = new Device(DeviceType.META);
        var options = MimeticOptions.Vision with { Solver = MimeticSolver.Float64Svd };
        using var model = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), init, seed: 0, options, meta);

        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        var slot = AttentionFinder.Find(model)[0];
        Assert.Equal(DeviceType.META, slot.InProjectionWeight.device_type);
    }

    [Fact]
    public void TargetsAndFactorsStayOnTheNoiseDevice()
    {
        var meta = new Device(DeviceType.META);
        using var noise = MimeticMath.DrawLayerNoise(16, 2, null);
        using var onMeta = noise.QueryKey.to(meta);
        using var target = MimeticMath.QueryKeyTarget(onMeta, 0.7, 0.7);
        var (query, key) = MimeticMath.QueryKeyFactors(target, 8, MimeticSolver.Float64Svd);

        Assert.Equal(DeviceType.META, target.device_type);
        Assert.Equal((DeviceType.META, DeviceType.META), (query.device_type, key.device_type));
        Assert.Equal([2L, 16, 8], query.shape);
        Assert.Equal(DeviceType.CPU, noise.QueryKey.device_type); // noise is drawn on the CPU: the same Z on every device
    }

    [Fact]
    public void OnTheCpuADeviceArgumentChangesNothing()
    {
        using var plain = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), WeightInit.Mimetic, seed: 7);
        using var onCpu = ModelFactory.CreateVision(VisionPresets.Get("vit-micro"), WeightInit.Mimetic, seed: 7, device: CPU);
        foreach (var ((name, expected), (_, actual)) in plain.state_dict().Zip(onCpu.state_dict()))
        {
            Assert.True(expected.allclose(actual, rtol: 0, atol: 0), name);
        }
    }
}
