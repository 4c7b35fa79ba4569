using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mimetic.Benchmarks;
using Mimetic.Models;
using Mimetic.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic bench</c>.</summary>
public sealed class BenchSettings : CommandSettings
{
    /// <summary>Preset.</summary>
    [CommandOption("-m|--model <PRESET>")]
    [DefaultValue("vit-cpu")]
    public string Model { get; init; } = "vit-cpu";

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = 128;

    /// <summary>Timed steps.</summary>
    [CommandOption("--steps <N>")]
    [DefaultValue(10)]
    public int Steps { get; init; } = 10;

    /// <summary>Warm-up steps.</summary>
    [CommandOption("--warmup <N>")]
    [DefaultValue(3)]
    public int Warmup { get; init; } = 3;

    /// <summary>Threads.</summary>
    [CommandOption("--threads <N>")]
    [Description("threads for libtorch and for the PyTorch peer (0: one per core)")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    /// <summary>Run the PyTorch peer.</summary>
    [CommandOption("--pytorch")]
    [Description("also time bench/pytorch_vit.py (PyTorch eager, same model, batch and threads) and report the ratio")]
    public bool PyTorch { get; init; }

    /// <summary>Python interpreter with torch.</summary>
    [CommandOption("--python <PATH>")]
    [Description("the Python that has torch (default: /usr/bin/python3, Debian's python3-torch)")]
    [DefaultValue("/usr/bin/python3")]
    public string Python { get; init; } = "/usr/bin/python3";

    /// <summary>Skip the ViT-B init timing.</summary>
    [CommandOption("--no-init")]
    public bool NoInit { get; init; }

    /// <summary>JSON output file.</summary>
    [CommandOption("--json <FILE>")]
    public string? Json { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        Steps < 1 || Warmup < 0 || BatchSize < 1 || Threads < 0
            ? ValidationResult.Error("--steps and --batch-size must be positive, --warmup and --threads non-negative")
            : ValidationResult.Success();
}

/// <summary><c>mimetic bench</c>: training and evaluation throughput, the matmul ceiling, data preparation, init time, and PyTorch.</summary>
public sealed class BenchCommand(IAnsiConsole console) : Command<BenchSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = VisionPresets.Get(settings.Model);
        var result = VisionBenchmark.Run(
            new VisionBenchmarkOptions(settings.Model, settings.BatchSize, settings.Steps, settings.Warmup, settings.Threads, InitBenchmark: !settings.NoInit),
            message => console.MarkupLine($"[grey]{Markup.Escape(message)}[/]"));
        console.MarkupLine("[grey]timing each operation of one block at the step's shapes[/]");
        var operations = BlockProfile.Run(config, settings.BatchSize, settings.Warmup, settings.Steps);
        PeerResult? peer = settings.PyTorch ? RunPeer(settings, config, result.Threads) : null;

        var table = new Table().AddColumns("measure", "value");
        table.AddRow("model", $"{settings.Model} (width {config.Width}, depth {config.Depth}, {config.Heads} heads, patch {config.PatchSize}), batch {settings.BatchSize}, {result.Threads} threads");
        table.AddRow("allocator tuning", result.Allocator);
        table.AddRow("train images/s (Mimetic)", F(result.TrainImagesPerSecond, "F1"));
        table.AddRow("eval images/s (Mimetic)", F(result.EvalImagesPerSecond, "F1"));
        var parts = result.StepBreakdown;
        table.AddRow("step: forward / backward / optimizer (ms)", $"{F(1000 * parts.ForwardSeconds, "F0")} / {F(1000 * parts.BackwardSeconds, "F0")} / {F(1000 * parts.OptimizerSeconds, "F0")}");
        table.AddRow("matmul ceiling GFLOP/s", F(result.MatmulGflops, "F1"));
        table.AddRow("training GFLOP per image", F(result.TrainGflopsPerImage, "F3"));
        table.AddRow("training fraction of ceiling", F(100 * result.TrainFractionOfCeiling, "F1") + " %");
        table.AddRow("data preparation / step time", F(100 * result.DataPreparationFraction, "F1") + " %");
        table.AddRow("mimetic init, ViT-B size (s): default / float64 SVD", $"{F(result.MimeticInitSeconds, "F2")} / {F(result.MimeticInitFloat64Seconds, "F2")}");
        if (peer is not null)
        {
            table.AddRow($"train images/s (PyTorch {peer.TorchVersion}{(peer.Sdpa ? "" : ", no SDPA")})", F(peer.TrainImagesPerSecond, "F1"));
            table.AddRow("eval images/s (PyTorch)", F(peer.EvalImagesPerSecond, "F1"));
            table.AddRow("train ratio Mimetic / PyTorch", F(result.TrainImagesPerSecond / peer.TrainImagesPerSecond, "F2") + "×");
            table.AddRow("eval ratio Mimetic / PyTorch", F(result.EvalImagesPerSecond / peer.EvalImagesPerSecond, "F2") + "×");
        }

        console.Write(table);
        console.Write(OperationTable(operations, result, config));
        if (settings.Json is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(new { mimetic = result, blockOperations = operations, pytorch = peer }, RunFiles.Json));
            console.MarkupLine($"wrote [green]{Markup.Escape(path)}[/]");
        }

        return 0;
    }

    private static Table OperationTable(IReadOnlyList<OperationTiming> operations, VisionBenchmarkResult result, VisionTransformerConfig config)
    {
        var table = new Table().AddColumns("one block's operation", "forward ms", "backward ms", "GFLOP/s", "share of step");
        var step = result.BatchSize / result.TrainImagesPerSecond;
        foreach (var op in operations)
        {
            var share = config.Depth * op.BlockSeconds / step;
            table.AddRow(op.PerBlock == 1 ? op.Name : $"{op.Name} (×{op.PerBlock})", F(1000 * op.ForwardSeconds, "F2"), F(1000 * op.BackwardSeconds, "F2"),
                double.IsNaN(op.Gflops) ? "–" : F(op.Gflops, "F0"), F(100 * share, "F1") + " %");
        }

        var blocks = config.Depth * operations.Sum(op => op.BlockSeconds);
        table.AddRow($"all, × {config.Depth} blocks", "", "", "", F(100 * blocks / step, "F1") + " %");
        return table;
    }

    /// <summary>What the PyTorch peer printed.</summary>
    public sealed record PeerResult(double TrainImagesPerSecond, double EvalImagesPerSecond, string TorchVersion, bool Sdpa, int Threads, IReadOnlyList<string> Build);

    private static PeerResult RunPeer(BenchSettings settings, VisionTransformerConfig config, int threads)
    {
        var script = FindScript();
        var start = new ProcessStartInfo(settings.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            script, "--config", JsonSerializer.Serialize(config, RunFiles.Json), "--batch-size", settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            "--steps", settings.Steps.ToString(CultureInfo.InvariantCulture), "--warmup", settings.Warmup.ToString(CultureInfo.InvariantCulture),
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ArgumentException($"cannot run {settings.Python}; install Debian's python3-torch (apt-get install python3-torch) or pass --python");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var last = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no output";
                throw new ArgumentException($"the PyTorch peer failed ({last.Trim()}); is python3-torch installed for {settings.Python}?");
            }

            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            return new PeerResult(
                root.GetProperty("train_images_per_second").GetDouble(), root.GetProperty("eval_images_per_second").GetDouble(),
                root.GetProperty("torch_version").GetString() ?? "?", root.GetProperty("sdpa").GetBoolean(), root.GetProperty("threads").GetInt32(),
                root.GetProperty("build").EnumerateArray().Select(e => e.GetString() ?? "").ToList());
        }
    }

    private static string FindScript()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "bench", "pytorch_vit.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new ArgumentException("bench/pytorch_vit.py not found; run from the repository");
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
