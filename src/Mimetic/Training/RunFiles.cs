using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mimetic.Training;

/// <summary>How a run ended, or that it is still going.</summary>
public enum RunState
{
    /// <summary>Started and not finished (or killed without a chance to say so).</summary>
    Running,

    /// <summary>All epochs done.</summary>
    Completed,

    /// <summary>Stopped by the user; resumable.</summary>
    Stopped,

    /// <summary>The loss became NaN or exploded, or the evaluation or the weights became non-finite; the last good checkpoint is kept.</summary>
    Diverged,

    /// <summary>An error ended the run (a damaged file, a full disk, …); the last checkpoint is kept.</summary>
    Failed,
}

/// <summary>The run's status file (<c>status.json</c>).</summary>
/// <param name="State">The state.</param>
/// <param name="EpochsCompleted">Epochs finished and checkpointed.</param>
/// <param name="Message">A human-readable note.</param>
public sealed record RunStatus(RunState State, int EpochsCompleted, string Message);

/// <summary>
/// The files of one run directory: <c>config.json</c>, <c>status.json</c>, <c>metrics.jsonl</c>,
/// <c>metrics.csv</c>, TensorBoard events under <c>tensorboard/</c>, the latest resumable checkpoint
/// under <c>checkpoint/</c> and the weights of every epoch under <c>weights/</c>. Every file is written
/// atomically (a temporary file, then a rename).
/// </summary>
public sealed class RunFiles
{
    /// <summary>JSON settings used for every file of a run.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Names a run directory. Nothing is created here, so reading a run that is not there leaves no folder behind; the
    /// folder is made when training takes its lock (<see cref="RunLock.Acquire"/>) or a file of the run is written.
    /// </summary>
    public RunFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The run directory.</summary>
    public string Directory { get; }

    /// <summary>The resolved config.</summary>
    public string ConfigPath => Path.Combine(Directory, "config.json");

    /// <summary>The status file.</summary>
    public string StatusPath => Path.Combine(Directory, "status.json");

    /// <summary>One JSON object per epoch.</summary>
    public string MetricsJsonPath => Path.Combine(Directory, "metrics.jsonl");

    /// <summary>The same metrics as CSV.</summary>
    public string MetricsCsvPath => Path.Combine(Directory, "metrics.csv");

    /// <summary>TensorBoard event files.</summary>
    public string TensorBoardDirectory => Path.Combine(Directory, "tensorboard");

    /// <summary>The latest resumable checkpoint.</summary>
    public string CheckpointDirectory => Path.Combine(Directory, "checkpoint");

    /// <summary>Model weights after each epoch (<c>epoch-NNN.safetensors</c>).</summary>
    public string WeightsDirectory => Path.Combine(Directory, "weights");

    /// <summary>Whether the directory holds a run (a config file).</summary>
    public bool Exists => File.Exists(ConfigPath);

    /// <summary>The weights file of one epoch.</summary>
    public string WeightsPath(int epoch) => Path.Combine(WeightsDirectory, $"epoch-{epoch:D3}.safetensors");

    /// <summary>The tokenizer of a language-model run (<c>tokenizer.json</c>), so sampling can decode.</summary>
    public string TokenizerPath => Path.Combine(Directory, "tokenizer.json");

    /// <summary>Writes the config, with every field of its model kind.</summary>
    public void WriteConfig(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        WriteAtomically(ConfigPath, JsonSerializer.Serialize(config, config.GetType(), Json));
    }

    /// <summary>Reads the config as the config of its model kind (<see cref="TrainingTasks.Parse"/>).</summary>
    /// <exception cref="InvalidDataException">Missing or unreadable config.</exception>
    public RunConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath))
        {
            throw new InvalidDataException($"{Directory} is not a run directory (no config.json).");
        }

        Io.UserFile.RequireReadable(ConfigPath, "run config");
        return TrainingTasks.Parse(File.ReadAllText(ConfigPath), ConfigPath);
    }

    /// <summary>Reads the config, which must be a <typeparamref name="TConfig"/>.</summary>
    /// <exception cref="InvalidDataException">Missing or unreadable config, or a run of another model kind.</exception>
    public TConfig ReadConfig<TConfig>()
        where TConfig : RunConfig =>
        ReadConfig() as TConfig ?? throw new InvalidDataException($"{Directory} holds a run of another model kind than {typeof(TConfig).Name}.");

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the saved config equals <paramref name="config"/> once the
    /// settings a resume may change (<see cref="RunConfig.ResumableOptions"/>) are taken over from it.
    /// </summary>
    /// <returns>The saved config, as read.</returns>
    public RunConfig RequireSameConfig(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var saved = ReadConfig();
        if (!saved.Resumed(config, _ => true).Equals(config))
        {
            throw new ArgumentException($"{Directory} holds a run with a different config; resume it with its own settings or choose another --out.");
        }

        return saved;
    }

    /// <summary>
    /// Deletes what rounds wrote (metrics, per-round weights, TensorBoard events, a half-written checkpoint), for a run that
    /// starts afresh in its own directory; config and status are rewritten by the start.
    /// </summary>
    public void DiscardRounds()
    {
        foreach (var file in new[] { MetricsJsonPath, MetricsCsvPath })
        {
            File.Delete(file);
        }

        foreach (var folder in new[] { WeightsDirectory, TensorBoardDirectory, CheckpointDirectory + ".tmp" })
        {
            if (System.IO.Directory.Exists(folder))
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Writes the status.</summary>
    public void WriteStatus(RunStatus status) => WriteAtomically(StatusPath, JsonSerializer.Serialize(status, Json));

    /// <summary>
    /// Writes the final status of a run that failed, even on a full disk: atomically if it can, else over the old file in
    /// place (which needs no new space beyond the old file's), else by deleting the old one, so that it never goes on
    /// saying <see cref="RunState.Running"/>. Never throws for I/O: the error that ended the run is the one to report.
    /// </summary>
    public void WriteFinalStatus(RunStatus status)
    {
        var json = JsonSerializer.Serialize(status, Json);
        foreach (var attempt in new Action[] { () => WriteAtomically(StatusPath, json), () => File.WriteAllText(StatusPath, json), () => File.Delete(StatusPath) })
        {
            try
            {
                attempt();
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // try the next, humbler way
            }
        }
    }

    /// <summary>Reads the status, or null if there is none.</summary>
    public RunStatus? ReadStatus() => File.Exists(StatusPath) ? ReadJson<RunStatus>(StatusPath) : null;

    /// <summary>
    /// Writes all metrics so far, as JSON lines and as CSV (one column per property of
    /// <typeparamref name="TMetrics"/>, in declaration order, named in snake_case).
    /// </summary>
    public void WriteMetrics<TMetrics>(IReadOnlyList<TMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var lines = new StringBuilder();
        foreach (var m in metrics)
        {
            lines.AppendLine(JsonSerializer.Serialize(m, CompactJson));
        }

        WriteAtomically(MetricsJsonPath, lines.ToString());
        var columns = typeof(TMetrics).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        var csv = new StringBuilder(string.Join(',', columns.Select(c => JsonNamingPolicy.SnakeCaseLower.ConvertName(c.Name)))).Append('\n');
        foreach (var m in metrics)
        {
            csv.AppendLine(string.Join(',', columns.Select(c => Convert.ToString(c.GetValue(m), CultureInfo.InvariantCulture))));
        }

        WriteAtomically(MetricsCsvPath, csv.ToString());
    }

    /// <summary>Reads the metrics as <typeparamref name="TMetrics"/> (empty if there are none).</summary>
    public IReadOnlyList<TMetrics> ReadMetrics<TMetrics>()
    {
        if (!File.Exists(MetricsJsonPath))
        {
            return [];
        }

        Io.UserFile.RequireReadable(MetricsJsonPath, "metrics file");
        var metrics = new List<TMetrics>();
        var number = 0;
        foreach (var line in File.ReadLines(MetricsJsonPath))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                metrics.Add(JsonSerializer.Deserialize<TMetrics>(line, CompactJson) ?? throw new InvalidDataException($"{MetricsJsonPath} line {number} is null."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{MetricsJsonPath} line {number} is damaged: {e.Message.Split('\n')[0]}");
            }
        }

        return metrics;
    }

    /// <summary>Writes text to a file through a temporary file and a rename.</summary>
    /// <remarks>The file's folder is created if missing: writing a run's files makes its folder, reading never does.</remarks>
    public static void WriteAtomically(string path, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Io.UserFile.RequireWritable(path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static readonly JsonSerializerOptions CompactJson = new(Json) { WriteIndented = false };

    private static T ReadJson<T>(string path)
    {
        if (File.Exists(path) || System.IO.Directory.Exists(path))
        {
            Io.UserFile.RequireReadable(path, "run file");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid: {e.Message.Split('\n')[0]}");
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"{Path.GetDirectoryName(path)} is not a run directory (no {Path.GetFileName(path)}).");
        }
    }
}
