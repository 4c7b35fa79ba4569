using System.Globalization;

namespace Mimetic.Devices;

/// <summary>The kind of device a user asked for.</summary>
public enum DeviceRequestKind
{
    /// <summary>CUDA when <c>torch.cuda.is_available()</c>, else the CPU.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda,
}

/// <summary>
/// A device as a user names it: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. <see cref="DeviceSelector"/> turns it into a
/// TorchSharp device on this machine.
/// </summary>
/// <param name="Kind">Which kind of device.</param>
/// <param name="Index">The CUDA device index for <c>cuda:N</c>; null for the others and for plain <c>cuda</c> (device 0).</param>
public sealed record DeviceRequest(DeviceRequestKind Kind, int? Index = null)
{
    /// <summary>The names <see cref="Parse"/> accepts, for messages.</summary>
    public const string Syntax = "auto | cpu | cuda | cuda:N";

    /// <summary><c>auto</c>.</summary>
    public static DeviceRequest Auto { get; } = new(DeviceRequestKind.Auto);

    /// <summary><c>cpu</c>.</summary>
    public static DeviceRequest Cpu { get; } = new(DeviceRequestKind.Cpu);

    /// <summary>Reads <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (N ≥ 0), ignoring case and surrounding spaces.</summary>
    /// <exception cref="ArgumentException">Any other text.</exception>
    public static DeviceRequest Parse(string text) =>
        TryParse(text, out var request) ? request : throw new ArgumentException($"unknown device '{text}'; use {Syntax}");

    /// <summary>Reads a device name as <see cref="Parse"/> does; false for an unknown one.</summary>
    public static bool TryParse(string? text, out DeviceRequest request)
    {
        request = Auto;
        var name = text?.Trim().ToLowerInvariant();
        switch (name)
        {
            case "auto":
                return true;
            case "cpu":
                request = Cpu;
                return true;
            case "cuda":
                request = new DeviceRequest(DeviceRequestKind.Cuda);
                return true;
        }

        if (name is not null && name.StartsWith("cuda:", StringComparison.Ordinal)
            && name.Length > "cuda:".Length && name["cuda:".Length..].All(char.IsAsciiDigit)
            && int.TryParse(name["cuda:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            request = new DeviceRequest(DeviceRequestKind.Cuda, index);
            return true;
        }

        return false;
    }

    /// <summary>The request as <see cref="Parse"/> reads it back: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => Kind switch
    {
        DeviceRequestKind.Cpu => "cpu",
        DeviceRequestKind.Cuda => Index is { } index ? string.Create(CultureInfo.InvariantCulture, $"cuda:{index}") : "cuda",
        _ => "auto",
    };
}
