using System.Text.Json;
using Mimetic.Training;

namespace Mimetic.Reports;

/// <summary>One run (finished or not), as read back from its run directory: its config and its metrics lines.</summary>
/// <param name="Config">The run's config.</param>
/// <param name="Directory">The run directory.</param>
/// <param name="State">The run's state, or null without a status file.</param>
/// <param name="Rows">One row per finished round: every numeric field of the metrics line by name.</param>
public sealed record RunRecord(RunConfig Config, string Directory, RunState? State, IReadOnlyList<IReadOnlyDictionary<string, double>> Rows)
{
    /// <summary>The initialization.</summary>
    public string Init => Config.Init;

    /// <summary>The seed.</summary>
    public long Seed => Config.Seed;

    /// <summary>The value of metric <paramref name="key"/> in round <paramref name="index"/> (0-based).</summary>
    /// <exception cref="InvalidDataException">The metrics line has no such field.</exception>
    public double Value(int index, string key) =>
        Rows[index].TryGetValue(key, out var value) ? value : throw new InvalidDataException($"{Directory}/metrics.jsonl has no '{key}' in line {index + 1}.");

    /// <summary>The value of metric <paramref name="key"/> in the last round.</summary>
    public double Final(string key) => Value(Rows.Count - 1, key);

    /// <summary>Reads a run directory.</summary>
    /// <exception cref="InvalidDataException">No config, or an unreadable metrics file.</exception>
    public static RunRecord Read(string directory)
    {
        var files = new RunFiles(directory);
        var config = files.ReadConfig();
        var rows = new List<IReadOnlyDictionary<string, double>>();
        if (File.Exists(files.MetricsJsonPath))
        {
            var number = 0;
            foreach (var line in File.ReadLines(files.MetricsJsonPath))
            {
                number++;
                if (line.Length > 0)
                {
                    rows.Add(ParseRow(line, files.MetricsJsonPath, number));
                }
            }
        }

        return new RunRecord(config, files.Directory, files.ReadStatus()?.State, rows);
    }

    private static Dictionary<string, double> ParseRow(string line, string path, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path} line {number} is not a JSON object.");
            }

            var row = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number)
                {
                    row[property.Name] = property.Value.GetDouble();
                }
                else if (property.Value.ValueKind == JsonValueKind.String && double.TryParse(property.Value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var named))
                {
                    row[property.Name] = named;   // NaN and ±Infinity are written as strings
                }
            }

            return row;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} line {number} is not valid JSON: {e.Message.Split('\n')[0]}");
        }
    }
}
