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
    [Description("a ViT preset (images/s) or a GPT preset (tokens/s)")]
    [DefaultValue("vit-cpu")]
    public string Model { get; init; } = "vit-cpu";

    /// <summary>Batch size.</summary>
    [CommandOption("-b|--batch-size <N>")]
    [Description("images (ViT, default 128) or full-context sequences (GPT, default 32, as lm-train) per step")]
    public int? BatchSize { get; init; }

    /// <summary>GPT vocabulary size.</summary>
    [CommandOption("--vocab <N>")]
    [Description("GPT vocabulary size (65: Tiny Shakespeare by character; 10002: Brown corpus words; 50257: GPT-2 BPE)")]
    [DefaultValue(65)]
    public int VocabSize { get; init; } = 65;

    /// <summary>Whether the preset is a GPT.</summary>
    public bool IsLanguageModel => GptPresets.IsKnown(Model);

    /// <summary>The batch size, defaulted by model kind.</summary>
    public int EffectiveBatchSize => BatchSize ?? (IsLanguageModel ? 32 : 128);

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
    [Description("also time bench/pytorch_vit.py (PyTorch eager, same model, batch and threads; ViT and GPT) and report the ratio")]
    public bool PyTorch { get; init; }

    /// <summary>Python interpreter with torch.</summary>
    [CommandOption("--python <PATH>")]
    [Description("the Python that has torch (default: /usr/bin/python3, Debian's python3-torch)")]
    [DefaultValue("/usr/bin/python3")]
    public string Python { get; init; } = "/usr/bin/python3";

    /// <summary>The fused attention kernel.</summary>
    [CommandOption("--fused-attention")]
    [Description("time the ViT with the experimental fused C# attention kernel instead of scaled_dot_product_attention (not yet faster; docs/time-to-accuracy.md)")]
    public bool FusedAttention { get; init; }

    /// <summary>Data-parallel replicas.</summary>
    [CommandOption("--replicas <N>")]
    [Description("ViT: also time the training step shared by N model replicas, one libtorch thread each (train --replicas); 0: not")]
    [DefaultValue(0)]
    public int Replicas { get; init; }

    /// <summary>Skip the ViT-B init timing.</summary>
    [CommandOption("--no-init")]
    public bool NoInit { get; init; }

    /// <summary>The device; only the CPU is measured so far.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("auto | cpu: bench measures the CPU only (auto means cpu here; cuda is refused)")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    /// <summary>JSON output file.</summary>
    [CommandOption("--json <FILE>")]
    public string? Json { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (Steps < 1 || Warmup < 0 || BatchSize < 1 || Threads < 0 || VocabSize < 2 || Replicas is < 0 or > 64)
        {
            return ValidationResult.Error("--steps and --batch-size must be positive, --warmup and --threads non-negative, --vocab at least 2, --replicas between 0 and 64");
        }

        if (Replicas > 1 && IsLanguageModel)
        {
            return ValidationResult.Error("--replicas is timed for ViT presets only so far");
        }

        if (!IsLanguageModel && !VisionPresets.IsKnown(Model))
        {
            return ValidationResult.Error($"unknown --model '{Model}'; known: {string.Join(", ", VisionPresets.Names.Concat(GptPresets.Names))}");
        }

        if (!DeviceOption.Validate(Device).Successful)
        {
            return DeviceOption.Validate(Device);
        }

        if (Mimetic.Devices.DeviceRequest.Parse(Device).Kind == Mimetic.Devices.DeviceRequestKind.Cuda)
        {
            return ValidationResult.Error($"bench measures the CPU only; --device '{Device}' is not supported (use auto or cpu)");
        }

        try
        {
            if (IsLanguageModel)
            {
                var gpt = GptPresets.Get(Model, VocabSize);
                StepMemory.RequireBatchFits(EffectiveBatchSize, gpt.ContextLength, StepMemory.PerWindowBytes(gpt), Model);
            }
            else
            {
                var vit = VisionPresets.Get(Model);
                StepMemory.RequireBatchFits(EffectiveBatchSize, vit.Tokens, StepMemory.PerImageBytes(vit), Model);
            }
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }

        return ValidationResult.Success();
    }
}

/// <summary><c>mimetic bench</c>: training and evaluation throughput, the matmul ceiling, data preparation, init time, and PyTorch.</summary>
public sealed class BenchCommand(IAnsiConsole console) : Command<BenchSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DeviceOption.Announce(console, TorchSharp.torch.CPU, Mimetic.Devices.DeviceRequest.Parse(settings.Device).Kind == Mimetic.Devices.DeviceRequestKind.Cpu ? null : "(bench measures the CPU only)");
        return settings.IsLanguageModel ? ExecuteLanguage(settings) : ExecuteVision(settings);
    }

    private int ExecuteLanguage(BenchSettings settings)
    {
        var batch = settings.EffectiveBatchSize;
        var result = LanguageBenchmark.Run(
            new LanguageBenchmarkOptions(settings.Model, batch, settings.VocabSize, settings.Steps, settings.Warmup, settings.Threads), Log);
        var config = GptPresets.Get(settings.Model, settings.VocabSize);
        PeerResult? peer = settings.PyTorch ? RunPeer(settings, "gpt", JsonSerializer.Serialize(config, RunFiles.Json), batch, result.Threads) : null;

        var table = SummaryTable(
            $"{settings.Model} (width {config.Width}, depth {config.Depth}, {config.Heads} heads, context {config.ContextLength}, vocabulary {config.VocabSize}), batch {batch}, {result.Threads} threads",
            result.Allocator, "token", (result.TrainTokensPerSecond, result.EvalTokensPerSecond), result.StepBreakdown, result.MatmulGflops,
            F(result.TrainGflopsPerToken, "F5"), result.TrainFractionOfCeiling);
        table.AddRow("output layer share of training FLOPs", F(100 * ModelFlops.GptOutputLayerShare(config), "F1") + " %");
        AddPeerRows(table, peer, "tokens", result.TrainTokensPerSecond, result.EvalTokensPerSecond);
        console.Write(table);
        WriteJson(settings, new { mimetic = result, pytorch = peer });
        return 0;
    }

    private int ExecuteVision(BenchSettings settings)
    {
        var batch = settings.EffectiveBatchSize;
        var config = VisionPresets.Get(settings.Model) with { FusedAttention = settings.FusedAttention };
        var result = VisionBenchmark.Run(
            new VisionBenchmarkOptions(settings.Model, batch, settings.Steps, settings.Warmup, settings.Threads, InitBenchmark: !settings.NoInit, FusedAttention: settings.FusedAttention, Replicas: settings.Replicas), Log);
        Log("timing each operation of one block at the step's shapes");
        var operations = BlockProfile.Run(config, batch, settings.Warmup, settings.Steps);
        PeerResult? peer = settings.PyTorch ? RunPeer(settings, "vit", JsonSerializer.Serialize(config, RunFiles.Json), batch, result.Threads) : null;

        var table = SummaryTable(
            $"{settings.Model} (width {config.Width}, depth {config.Depth}, {config.Heads} heads, patch {config.PatchSize}), batch {batch}, {result.Threads} threads",
            result.Allocator, "image", (result.TrainImagesPerSecond, result.EvalImagesPerSecond), result.StepBreakdown, result.MatmulGflops,
            F(result.TrainGflopsPerImage, "F3"), result.TrainFractionOfCeiling);
        table.AddRow("data preparation / step time", F(100 * result.DataPreparationFraction, "F1") + " %");
        if (result.Replicas > 1)
        {
            table.AddRow($"training with {result.Replicas} replicas, 1 thread each (images/s)", F(result.ReplicatedTrainImagesPerSecond, "F1"));
            table.AddRow($"training with {result.Replicas} replicas / matmul ceiling", F(100 * result.ReplicatedFractionOfCeiling, "F1") + " %");
        }

        table.AddRow("mimetic init, ViT-B size (s): default / float64 SVD", $"{F(result.MimeticInitSeconds, "F2")} / {F(result.MimeticInitFloat64Seconds, "F2")}");
        AddPeerRows(table, peer, "images", result.TrainImagesPerSecond, result.EvalImagesPerSecond);
        console.Write(table);
        console.Write(OperationTable(operations, result, config));
        WriteJson(settings, new { mimetic = result, blockOperations = operations, pytorch = peer });
        return 0;
    }

    private void Log(string message) => console.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    private void WriteJson(BenchSettings settings, object report)
    {
        if (settings.Json is { } path)
        {
            Io.UserFile.RequireWritable(path);
            File.WriteAllText(path, JsonSerializer.Serialize(report, RunFiles.Json));
            console.MarkupLine($"wrote [green]{Markup.Escape(path)}[/]");
        }
    }

    private static Table SummaryTable(string model, string allocator, string unit, (double Train, double Eval) rates, StepBreakdown parts,
        double matmulGflops, string gflopsPerItem, double fractionOfCeiling)
    {
        var table = new Table().AddColumns("measure", "value");
        table.AddRow("model", model);
        table.AddRow("allocator tuning", allocator);
        table.AddRow($"train {unit}s/s (Mimetic)", F(rates.Train, "F1"));
        table.AddRow($"eval {unit}s/s (Mimetic)", F(rates.Eval, "F1"));
        table.AddRow("step: forward / backward / optimizer (ms)", $"{F(1000 * parts.ForwardSeconds, "F0")} / {F(1000 * parts.BackwardSeconds, "F0")} / {F(1000 * parts.OptimizerSeconds, "F0")}");
        table.AddRow("matmul ceiling GFLOP/s", F(matmulGflops, "F1"));
        table.AddRow($"training GFLOP per {unit}", gflopsPerItem);
        table.AddRow("training fraction of ceiling", F(100 * fractionOfCeiling, "F1") + " %");
        return table;
    }

    private static void AddPeerRows(Table table, PeerResult? peer, string unit, double train, double eval)
    {
        if (peer is null)
        {
            return;
        }

        table.AddRow($"train {unit}/s (PyTorch {peer.TorchVersion}{(peer.Sdpa ? "" : ", no SDPA")})", F(peer.TrainItemsPerSecond, "F1"));
        table.AddRow($"eval {unit}/s (PyTorch)", F(peer.EvalItemsPerSecond, "F1"));
        table.AddRow("train ratio Mimetic / PyTorch", F(train / peer.TrainItemsPerSecond, "F2") + "×");
        table.AddRow("eval ratio Mimetic / PyTorch", F(eval / peer.EvalItemsPerSecond, "F2") + "×");
    }

    private static Table OperationTable(IReadOnlyList<OperationTiming> operations, VisionBenchmarkResult result, VisionTransformerConfig config)
    {
        var table = new Table().AddColumns("one block's operation", "forward ms", "backward ms", "GFLOP/s", "share of step");
        var step = result.BatchSize / result.TrainImagesPerSecond;
        foreach (var op in operations)
        {
            var share = config.Depth * op.BlockSeconds / step;
            table.AddRow(op.PerBlock == 1 ? op.Name : op.PerBlock == 0 ? $"{op.Name} (not used)" : $"{op.Name} (×{op.PerBlock})", F(1000 * op.ForwardSeconds, "F2"), F(1000 * op.BackwardSeconds, "F2"),
                double.IsNaN(op.Gflops) ? "–" : F(op.Gflops, "F0"), op.PerBlock == 0 ? "–" : F(100 * share, "F1") + " %");
        }

        var blocks = config.Depth * operations.Sum(op => op.BlockSeconds);
        table.AddRow($"all, × {config.Depth} blocks", "", "", "", F(100 * blocks / step, "F1") + " %");
        return table;
    }

    /// <summary>What the PyTorch peer printed.</summary>
    /// <param name="TrainItemsPerSecond">Images or tokens per second in training.</param>
    /// <param name="EvalItemsPerSecond">Images or tokens per second in evaluation.</param>
    /// <param name="TorchVersion">torch.__version__.</param>
    /// <param name="Sdpa">Whether this PyTorch has scaled_dot_product_attention.</param>
    /// <param name="Threads">torch.get_num_threads().</param>
    /// <param name="Build">The first lines of torch.__config__.show().</param>
    public sealed record PeerResult(double TrainItemsPerSecond, double EvalItemsPerSecond, string TorchVersion, bool Sdpa, int Threads, IReadOnlyList<string> Build);

    private static PeerResult RunPeer(BenchSettings settings, string kind, string configJson, int batch, int threads)
    {
        var script = FindScript();
        var start = new ProcessStartInfo(settings.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            script, "--kind", kind, "--config", configJson, "--batch-size", batch.ToString(CultureInfo.InvariantCulture),
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
                root.GetProperty("train_items_per_second").GetDouble(), root.GetProperty("eval_items_per_second").GetDouble(),
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
