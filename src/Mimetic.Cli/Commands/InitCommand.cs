using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Mimetic.Analysis;
using Mimetic.Init;
using Mimetic.Io;
using Mimetic.Models;
using Mimetic.Training;
using Mimetic.Vision;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Mimetic.Cli.Commands;

/// <summary>Options shared by commands that initialize a model.</summary>
public abstract class InitOptionsSettings : CommandSettings
{
    /// <summary>The help text of <c>--init</c>.</summary>
    internal const string InitDescription = "default | mimetic | mimetic+ | mimetic-qk | mimetic-vo | mimetic-vo+ | speedrun-vo | speedrun-vo+ (a trailing + means W_v·W_proj ≈ +β2·I)";

    /// <summary>Initialization name (declared by each command's settings, whose model kind decides the default).</summary>
    public abstract string Init { get; init; }

    /// <summary>α1.</summary>
    [CommandOption("--alpha1 <A>")]
    [Description("noise scale of the query/key target")]
    [ConfigDefault<TrainingConfig>("Mimetic.Alpha1")]
    public double Alpha1 { get; init; }

    /// <summary>β1.</summary>
    [CommandOption("--beta1 <B>")]
    [Description("identity weight of the query/key target")]
    [ConfigDefault<TrainingConfig>("Mimetic.Beta1")]
    public double Beta1 { get; init; }

    /// <summary>α2.</summary>
    [CommandOption("--alpha2 <A>")]
    [Description("noise scale of the value/projection target")]
    [ConfigDefault<TrainingConfig>("Mimetic.Alpha2")]
    public double Alpha2 { get; init; }

    /// <summary>β2.</summary>
    [CommandOption("--beta2 <B>")]
    [Description("identity weight of the value/projection target")]
    [ConfigDefault<TrainingConfig>("Mimetic.Beta2")]
    public double Beta2 { get; init; }

    /// <summary>Sign of the value/projection identity.</summary>
    [CommandOption("--vo-sign <SIGN>")]
    [Description("sign of the value/projection identity: -1 (vision) or +1")]
    [ConfigDefault<TrainingConfig>("Mimetic.ValueProjectionSign")]
    public int ValueProjectionSign { get; init; }

    /// <summary>How the SVDs are computed.</summary>
    [CommandOption("--solver <NAME>")]
    [Description("auto | float64-svd | float32-gram: how the targets are factorised (auto: float64 SVD up to width 256, float32 Gram eigendecomposition above)")]
    [DefaultValue("auto")]
    public string Solver { get; init; } = "auto";

    /// <summary>The mimetic options these settings describe (parts come from the init name).</summary>
    public MimeticOptions ToMimeticOptions() => new(Alpha1, Beta1, Alpha2, Beta2, ValueProjectionSign, Solver: ParseSolver(Solver) ?? MimeticSolver.Auto);

    /// <summary>The solver named on the command line (kebab case), or null for an unknown name.</summary>
    public static MimeticSolver? ParseSolver(string name) => name switch
    {
        "auto" => MimeticSolver.Auto,
        "float64-svd" => MimeticSolver.Float64Svd,
        "float32-gram" => MimeticSolver.Float32Gram,
        _ => null,
    };

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (!WeightInit.IsKnown(Init))
        {
            return ValidationResult.Error($"unknown --init '{Init}'; known: {string.Join(", ", WeightInit.Names)}");
        }

        if (ParseSolver(Solver) is null)
        {
            return ValidationResult.Error($"unknown --solver '{Solver}'; known: auto, float64-svd, float32-gram");
        }

        foreach (var (option, value) in new[] { ("--alpha1", Alpha1), ("--beta1", Beta1), ("--alpha2", Alpha2), ("--beta2", Beta2) })
        {
            if (!double.IsFinite(value) || value < 0 || value > MimeticOptions.MaxScale)
            {
                var shown = double.IsNaN(value) ? "NaN" : double.IsInfinity(value) ? (value > 0 ? "infinity" : "-infinity") : value.ToString("G", CultureInfo.InvariantCulture);
                return ValidationResult.Error($"{option} must be a finite number between 0 and {MimeticOptions.MaxScale.ToString("G", CultureInfo.InvariantCulture)}, not {shown}");
            }
        }

        try
        {
            ToMimeticOptions().Validate();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message.Split(" (Parameter", 2)[0]);
        }

        return ValidationResult.Success();
    }
}

/// <summary>Settings of <c>mimetic init</c>.</summary>
public sealed class InitSettings : InitOptionsSettings
{
    /// <inheritdoc />
    [CommandOption("--init <NAME>")]
    [Description(InitDescription)]
    [ConfigDefault<TrainingConfig>(nameof(TrainingConfig.Init))]
    public override string Init { get; init; } = null!;

    /// <summary>Model preset.</summary>
    [CommandOption("-m|--model <PRESET>")]
    [Description("model preset (see 'mimetic presets')")]
    [DefaultValue("vit-tiny")]
    public string Model { get; init; } = "vit-tiny";

    /// <summary>Seed.</summary>
    [CommandOption("-s|--seed <SEED>")]
    [ConfigDefault<TrainingConfig>(nameof(TrainingConfig.Seed))]
    public long Seed { get; init; }

    /// <summary>Output safetensors file.</summary>
    [CommandOption("-o|--out <FILE>")]
    [Description("write the weights here as safetensors with timm's parameter names")]
    public string? Out { get; init; }

    /// <summary>Print JSON instead of a table.</summary>
    [CommandOption("--json")]
    public bool Json { get; init; }

    /// <summary>Where the model is initialized.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description(DeviceOption.Description)]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var device = DeviceOption.Validate(Device);
        return device.Successful ? base.Validate() : device;
    }
}

/// <summary><c>mimetic init</c>: builds a model, initializes it, prints the attention statistics, exports.</summary>
public sealed class InitCommand(IAnsiConsole console) : Command<InitSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, InitSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = VisionPresets.Get(settings.Model);
        var device = DeviceOption.Resolve(settings.Device);
        if (!settings.Json)
        {
            DeviceOption.Announce(console, device);
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        using var model = ModelFactory.CreateVision(config, settings.Init, settings.Seed, settings.ToMimeticOptions(), device);
        var seconds = started.Elapsed.TotalSeconds;
        if (device.type != DeviceType.CPU)
        {
            model.to(torch.CPU); // statistics and export read the weights on the CPU
        }

        var layers = AttentionAnalysis.Of(model);

        if (settings.Out is { } path)
        {
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["mimetic.layout"] = "timm",
                ["mimetic.model"] = settings.Model,
                ["mimetic.init"] = settings.Init,
                ["mimetic.seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                ["mimetic.heads"] = config.Heads.ToString(CultureInfo.InvariantCulture),
                ["mimetic.config"] = JsonSerializer.Serialize(config),
                ["mimetic.options"] = JsonSerializer.Serialize(settings.ToMimeticOptions()),
            };
            Safetensors.Write(path, model.state_dict().Select(p => (p.Key, p.Value)), metadata);
        }

        if (settings.Json)
        {
            var deviceName = Devices.DeviceSelector.Name(device);
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { settings.Model, settings.Init, settings.Seed, Device = deviceName, layers }, JsonOptions));
            return 0;
        }

        console.MarkupLine($"[bold]{Markup.Escape(settings.Model)}[/] (width {config.Width}, depth {config.Depth}, {config.Heads} heads), " +
                           $"init [bold]{Markup.Escape(settings.Init)}[/], seed {settings.Seed}: built and initialized in {seconds:F2} s");
        console.Write(AnalysisTable.Of(layers));
        if (settings.Out is { } written)
        {
            console.MarkupLine($"wrote [green]{Markup.Escape(written)}[/] ({new FileInfo(written).Length / 1024.0 / 1024.0:F1} MiB, timm parameter names)");
        }

        return 0;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
