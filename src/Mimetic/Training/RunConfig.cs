using System.Text.Json;
using System.Text.Json.Serialization;
using Mimetic.Init;
using Mimetic.Vision;

namespace Mimetic.Training;

/// <summary>
/// What every run shares, whatever the model kind: the model preset, its initialization and seed, and the
/// optimisation (AdamW, warm-up and cosine decay, clipping). A kind's config (<see cref="TrainingConfig"/> for
/// images, <c>LanguageTrainingConfig</c> for text) adds its data and run length. Saved as <c>config.json</c>.
/// </summary>
public abstract record RunConfig
{
    /// <summary>The model kind (<see cref="TrainingTasks.Vision"/> or <see cref="TrainingTasks.Language"/>), written to <c>config.json</c>.</summary>
    public abstract string Task { get; }

    /// <summary>Model preset name.</summary>
    public string Model { get; init; } = "";

    /// <summary>Initialization name (see <see cref="WeightInit"/>).</summary>
    public string Init { get; init; } = WeightInit.Mimetic;

    /// <summary>α, β and sign for mimetic inits (parts, and a trailing-+ sign, come from <see cref="Init"/>).</summary>
    public MimeticOptions Mimetic { get; init; } = MimeticOptions.Vision;

    /// <summary>Seed of the model's init and of the data order.</summary>
    public long Seed { get; init; }

    /// <summary>Examples (images, or windows of text) per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate of AdamW.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 1e-5;

    /// <summary>The learning rate's decay after the warm-up (written to <c>config.json</c> only when not the default).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public DecayShape Schedule { get; init; }

    /// <summary>
    /// Decay of an exponential moving average of the weights, updated after every step; the average is what each
    /// round evaluates and saves. 0 (the default) keeps no average.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double EmaDecay { get; init; }

    /// <summary>AdamW weight decay; not applied to norms, biases, embeddings and class tokens.</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Intra-op threads for libtorch; 0 for one per core.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Models that share each batch on the CPU, each on its own thread with one libtorch thread (data parallelism within
    /// the process: faster than libtorch's threads for small models); 0 (the default) or 1 trains one model with
    /// <see cref="Threads"/> threads. Changes results only in rounding, as the thread count does.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Replicas { get; init; }

    /// <summary>
    /// Where the run trains: <c>cpu</c> or <c>cuda:N</c> (as resolved when it started or last resumed). A resume may
    /// move a run to another device; the CPU's results are bit-for-bit those of a run without a device.
    /// </summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The option that sets the run's length (<c>epochs</c> or <c>steps</c>).</summary>
    [JsonIgnore]
    public abstract string LengthOption { get; }

    /// <summary>
    /// The resume rule, the one place it is written: the options a resume may change (the run's length, the thread
    /// count, the replicas and the device: its speed and where it runs, not its result). Everything else must match the saved run.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> ResumableOptions => [LengthOption, "threads", "replicas", "device"];

    /// <summary>This saved config with the resumable settings that <paramref name="isGiven"/> names taken from <paramref name="requested"/>.</summary>
    public RunConfig Resumed(RunConfig requested, Func<string, bool> isGiven)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(isGiven);
        var resumed = this with
        {
            Threads = isGiven("threads") ? requested.Threads : Threads,
            Replicas = isGiven("replicas") ? requested.Replicas : Replicas,
            Device = isGiven("device") ? requested.Device : Device,
        };
        return isGiven(LengthOption) ? resumed.WithLengthOf(requested) : resumed;
    }

    /// <summary>
    /// SHA-256 of the config's JSON with the settings a resume may change (<see cref="ResumableOptions"/>) at their
    /// defaults: what a checkpoint records, so that resuming under an edited config, or from another run's checkpoint, is refused.
    /// </summary>
    public string Fingerprint()
    {
        var template = (RunConfig)Activator.CreateInstance(GetType())!;
        var normalized = Resumed(template, _ => true);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(normalized, GetType(), RunFiles.Json)));
    }

    /// <summary>This config with the run length of <paramref name="other"/> (a config of the same kind).</summary>
    protected abstract RunConfig WithLengthOf(RunConfig other);

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot train.</summary>
    public virtual void Validate()
    {
        Require(BatchSize >= 1, $"batch size must be at least 1, not {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be positive, not {LearningRate}");
        Require(MinLearningRate >= 0 && MinLearningRate <= LearningRate, "the minimum learning rate must be between 0 and the learning rate");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), "weight decay must be ≥ 0");
        Require(GradientClip >= 0 && double.IsFinite(GradientClip), "gradient clip must be ≥ 0");
        Require(Threads >= 0, "threads must be ≥ 0");
        Require(Replicas is >= 0 and <= 64, $"replicas (--replicas) must be between 0 and 64, not {Replicas}");
        Require(Replicas <= 1 || Threads <= 1, $"--replicas {Replicas} runs one libtorch thread per replica: leave --threads out (or 1), not {Threads}");
        Require(Replicas <= 1 || Device == "cpu", $"--replicas shares batches between threads on the CPU, not on {Device}");
        Require(Enum.IsDefined(Schedule), $"unknown schedule {Schedule}");
        Require(EmaDecay is >= 0 and < 1, $"the weight average's decay (--ema) must be in [0, 1), not {EmaDecay}");
        Require(WeightInit.IsKnown(Init), $"unknown initialization '{Init}'; known: {string.Join(", ", WeightInit.Names)}");
        Mimetic.Validate();
    }

    /// <summary>Throws <see cref="ArgumentException"/> with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    protected void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid {Task} training config: {message}.");
        }
    }
}

/// <summary>The model kinds a run can train, and reading a run's config without knowing its kind.</summary>
public static class TrainingTasks
{
    /// <summary>Image classification with a Vision Transformer.</summary>
    public const string Vision = "vision";

    /// <summary>Next-token prediction with a GPT.</summary>
    public const string Language = "language";

    private static readonly Dictionary<string, Type> ConfigTypes = new(StringComparer.Ordinal)
    {
        [Vision] = typeof(TrainingConfig),
        [Language] = typeof(Language.LanguageTrainingConfig),
    };

    /// <summary>
    /// Reads a run's <c>config.json</c> as the config of its kind: the <c>Task</c> field, or — in runs written
    /// before it existed — a <c>Tokenizer</c> field for language models and none for vision.
    /// </summary>
    /// <exception cref="InvalidDataException">Not JSON, or an unknown kind.</exception>
    public static RunConfig Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        string task;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source} is not a JSON object.");
            }

            task = root.TryGetProperty(nameof(RunConfig.Task), out var named) && named.ValueKind == JsonValueKind.String ? named.GetString()!
                : root.TryGetProperty("Tokenizer", out _) ? Language : Vision;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message.Split('\n')[0]}");
        }

        if (!ConfigTypes.TryGetValue(task, out var type))
        {
            throw new InvalidDataException($"{source} names an unknown model kind '{task}'; known: {string.Join(", ", ConfigTypes.Keys)}.");
        }

        try
        {
            return (RunConfig)(JsonSerializer.Deserialize(json, type, RunFiles.Json) ?? throw new InvalidDataException($"{source} is empty."));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid {task} config: {e.Message.Split('\n')[0]}");
        }
    }
}
