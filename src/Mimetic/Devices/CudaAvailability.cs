using TorchSharp;

namespace Mimetic.Devices;

/// <summary>What this process's libtorch says about CUDA.</summary>
/// <param name="IsAvailable"><c>torch.cuda.is_available()</c>: a CUDA backend is loaded and sees a GPU.</param>
/// <param name="DeviceCount"><c>torch.cuda.device_count()</c>.</param>
public sealed record CudaAvailability(bool IsAvailable, int DeviceCount)
{
    /// <summary>No CUDA (a CPU-only backend, or no GPU).</summary>
    public static CudaAvailability None { get; } = new(false, 0);

    /// <summary>Asks the loaded libtorch (loading it if need be).</summary>
    public static CudaAvailability Probe() =>
        torch.cuda.is_available() ? new CudaAvailability(true, torch.cuda.device_count()) : None;
}
