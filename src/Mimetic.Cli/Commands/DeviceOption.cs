using Mimetic.Devices;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Mimetic.Cli.Commands;

/// <summary>The <c>--device auto|cpu|cuda[:N]</c> option: its help text, its check, and the device it names on this machine.</summary>
public static class DeviceOption
{
    /// <summary>The option's help text.</summary>
    public const string Description = "auto | cpu | cuda | cuda:N: where the model runs (auto: CUDA when libtorch reports it available, else the CPU)";

    /// <summary>Checks the option's syntax (whether CUDA is there is checked when the command runs).</summary>
    public static ValidationResult Validate(string text) => DeviceRequest.TryParse(text, out _)
        ? ValidationResult.Success()
        : ValidationResult.Error($"unknown --device '{text}'; use {DeviceRequest.Syntax}");

    /// <summary>The device <paramref name="text"/> names here.</summary>
    /// <exception cref="CudaUnavailableException">CUDA asked for where it is not available.</exception>
    public static Device Resolve(string text) => DeviceSelector.Resolve(text);

    /// <summary>Prints <c>device: NAME</c> in grey, as every command that runs a model does at its start.</summary>
    public static void Announce(IAnsiConsole console, Device device, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.MarkupLine($"[grey]device: {Markup.Escape(DeviceSelector.Name(device))}{(note is null ? "" : " " + Markup.Escape(note))}[/]");
    }
}
