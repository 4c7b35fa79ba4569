using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>Moves a training batch to the model's device, for any batch type of any task.</summary>
internal static class DeviceBatches
{
    /// <summary>
    /// The batch on <paramref name="device"/>: on the CPU (or with no device) the same batch, untouched, so CPU results stay
    /// bit for bit; elsewhere <paramref name="copy"/> rebuilds it from its tensors moved by the function it is given, and
    /// the original is disposed.
    /// </summary>
    public static T ToDevice<T>(T batch, Device? device, Func<Func<Tensor, Tensor>, T> copy)
        where T : IDisposable
    {
        if (device is null || device.type == DeviceType.CPU)
        {
            return batch;
        }

        using (batch)
        {
            return copy(tensor => tensor.to(device, non_blocking: true));
        }
    }
}
