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

    /// <summary>The learning rate's decay.</summary>
    [CommandOption("--schedule <SHAPE>")]
    [Description("the learning rate's decay after the warm-up, to --min-lr: cosine | linear (spends more steps at a high rate; for short budgets)")]
    [ConfigDefault<TrainingConfig>("Schedule")]
    public DecayShape Schedule { get; init; }

    /// <summary>Weight average decay.</summary>
    [CommandOption("--ema <DECAY>")]
    [Description("keep an exponential moving average of the weights with this decay (e.g. 0.999; warmed up as min(decay, (1+t)/(10+t))); it is what each evaluation measures and each round saves. 0: none")]
    [ConfigDefault<TrainingConfig>("EmaDecay")]
    public double EmaDecay { get; init; }

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

    /// <summary>Data-parallel replicas.</summary>
    [CommandOption("--replicas <N>")]
    [Description("share each batch among N copies of the model, each on its own thread with one libtorch thread (faster than --threads for small models on the CPU; results differ only in rounding); 0: one model")]
    [ConfigDefault<TrainingConfig>("Replicas")]
    public int Replicas { get; init; }
}
