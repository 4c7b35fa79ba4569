using Mimetic.Language;
using Mimetic.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Tests.Training;

public sealed class DeviceBatchesTests
{
    [Fact]
    public void OnTheCpuOrWithNoDeviceTheBatchIsReturnedUntouched()
    {
        using var batch = new TokenBatch(torch.ones(2, 3, ScalarType.Int64), torch.zeros(2, 3, ScalarType.Int64));
        Assert.Same(batch, DeviceBatches.ToDevice(batch, torch.CPU, Fail));
        Assert.Same(batch, DeviceBatches.ToDevice(batch, null, Fail));

        static TokenBatch Fail(Func<Tensor, Tensor> move) => throw new InvalidOperationException("a CPU batch must not be copied");
    }

    [Fact]
    public void ElsewhereEveryTensorMovesAndTheOriginalIsDisposed()
    {
        // The meta device stands in for a GPU: tensors move there without any accelerator.
        var original = new TokenBatch(torch.ones(2, 4, ScalarType.Int64), torch.zeros(2, 4, ScalarType.Int64));
        using var moved = DeviceBatches.ToDevice(original, torch.META,
            move => new TokenBatch(move(original.Inputs), move(original.Targets)));

        Assert.NotSame(original, moved);
        Assert.Equal(DeviceType.META, moved.Inputs.device_type);
        Assert.Equal(DeviceType.META, moved.Targets.device_type);
        Assert.Equal(new long[] { 2, 4 }, moved.Inputs.shape);
        Assert.True(original.Inputs.IsInvalid);
        Assert.True(original.Targets.IsInvalid);
    }
}
