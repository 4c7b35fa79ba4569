namespace Mimetic.Devices;

/// <summary>
/// A CUDA device was asked for where this process cannot use it: a CPU-only libtorch backend, no visible GPU, or an index
/// past the last GPU. It is an <see cref="ArgumentException"/> because the request, not the work, is what cannot be met here.
/// </summary>
public sealed class CudaUnavailableException : ArgumentException
{
    /// <summary>The NuGet package that brings libtorch with CUDA to a Linux x64 application.</summary>
    public const string BackendPackage = "libtorch-cuda-12.8-linux-x64";

    /// <summary>The build property that makes this project's CLI and tests reference <see cref="BackendPackage"/>.</summary>
    public const string BuildProperty = "-p:TorchBackend=cuda";

    /// <summary>Creates the error for <paramref name="request"/>, given what libtorch reported.</summary>
    public CudaUnavailableException(DeviceRequest request, CudaAvailability availability)
        : base(Explain(request, availability))
    {
        Request = request;
    }

    /// <summary>Creates the error with a message of one's own.</summary>
    public CudaUnavailableException(string message)
        : base(message)
    {
        Request = new DeviceRequest(DeviceRequestKind.Cuda);
    }

    /// <summary>Creates the error with a message of one's own and its cause.</summary>
    public CudaUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Request = new DeviceRequest(DeviceRequestKind.Cuda);
    }

    /// <summary>Creates the error for a plain <c>cuda</c> request where CUDA is not available.</summary>
    public CudaUnavailableException()
        : this(new DeviceRequest(DeviceRequestKind.Cuda), CudaAvailability.None)
    {
    }

    /// <summary>The device that was asked for.</summary>
    public DeviceRequest Request { get; }

    private static string Explain(DeviceRequest request, CudaAvailability availability)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(availability);
        return availability.IsAvailable
            ? $"device '{request}' was asked for but this machine has {availability.DeviceCount} CUDA device(s), cuda:0 to cuda:{availability.DeviceCount - 1}"
            : $"device '{request}': CUDA is not available (CPU-only libtorch or no NVIDIA GPU); use the package {BackendPackage} " +
              $"(here: build with {BuildProperty}), or cpu";
    }
}
