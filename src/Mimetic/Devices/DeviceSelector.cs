using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Devices;

/// <summary>Turns a <see cref="DeviceRequest"/> into the TorchSharp device a run uses on this machine.</summary>
public static class DeviceSelector
{
    /// <summary>Resolves <paramref name="text"/> (<c>auto | cpu | cuda | cuda:N</c>) against this process's libtorch.</summary>
    /// <exception cref="ArgumentException">An unknown device name.</exception>
    /// <exception cref="CudaUnavailableException">CUDA asked for but not available, or no GPU with that index.</exception>
    public static Device Resolve(string text) => Resolve(DeviceRequest.Parse(text));

    /// <summary>Resolves <paramref name="request"/> against this process's libtorch. The CPU is resolved without asking libtorch about CUDA.</summary>
    /// <exception cref="CudaUnavailableException">CUDA asked for but not available, or no GPU with that index.</exception>
    public static Device Resolve(DeviceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Resolve(request, request.Kind == DeviceRequestKind.Cpu ? CudaAvailability.None : CudaAvailability.Probe());
    }

    /// <summary>
    /// Resolves <paramref name="request"/> given <paramref name="cuda"/>: <c>auto</c> is <c>cuda:0</c> when CUDA is available, else
    /// the CPU; <c>cuda</c> is <c>cuda:0</c>.
    /// </summary>
    /// <exception cref="CudaUnavailableException">CUDA asked for but not available, or no GPU with that index.</exception>
    public static Device Resolve(DeviceRequest request, CudaAvailability cuda)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(cuda);
        switch (request.Kind)
        {
            case DeviceRequestKind.Cpu:
                return CPU;
            case DeviceRequestKind.Auto:
                return cuda.IsAvailable && cuda.DeviceCount > 0 ? new Device(DeviceType.CUDA, 0) : CPU;
            default:
                var index = request.Index ?? 0;
                if (!cuda.IsAvailable || index >= cuda.DeviceCount)
                {
                    throw new CudaUnavailableException(request, cuda);
                }

                return new Device(DeviceType.CUDA, index);
        }
    }

    /// <summary>The device as runs record and print it: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public static string Name(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.type == DeviceType.CPU ? "cpu" : $"{device.type.ToString().ToLowerInvariant()}:{Math.Max(device.index, 0)}";
    }
}
