using System.ComponentModel;
using Mimetic.Training;
using Mimetic.Vision;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Options every training command shares, with the same defaults: peak learning rate, gradient clipping, threads.</summary>
public abstract class OptimizerSettings : InitOptionsSettings
{
    /// <summary>Peak learning rate.</summary>
    [CommandOption("--lr <LR>")]
    [ConfigDefault<TrainingConfig>("LearningRate")]
    public double LearningRate { get; init; }

    /// <summary>Gradient clipping.</summary>
    [CommandOption("--clip <NORM>")]
    [Description("maximum gradient norm; 0 turns clipping off")]
    [ConfigDefault<TrainingConfig>("GradientClip")]
    public double GradientClip { get; init; }

    /// <summary>Where the model trains.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description(DeviceOption.Description)]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    /// <summary>The device <see cref="Device"/> names on this machine, as runs record it (<c>cpu</c>, <c>cuda:N</c>).</summary>
    /// <exception cref="Devices.CudaUnavailableException">CUDA asked for where it is not available.</exception>
    public string ResolvedDevice => Devices.DeviceSelector.Name(DeviceOption.Resolve(Device));

    /// <summary>Threads.</summary>
    [CommandOption("--threads <N>")]
    [Description("libtorch threads (0: one per core)")]
    [ConfigDefault<TrainingConfig>("Threads")]
    public int Threads { get; init; }
}
