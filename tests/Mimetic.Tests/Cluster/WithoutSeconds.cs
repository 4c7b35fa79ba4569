using System.Text.Json.Nodes;

namespace Mimetic.Tests.Cluster;

/// <summary>A report or a metrics line with its wall-clock seconds blanked out, to compare two runs of one study.</summary>
internal static class WithoutSeconds
{
    /// <summary>The markdown with every table cell under a header that mentions seconds replaced by <c>·</c>.</summary>
    public static string Markdown(string text)
    {
        var lines = text.Split('\n');
        int[] blank = [];
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith('|'))
            {
                blank = [];
                continue;
            }

            if (IsSeparator(lines[i]))
            {
                continue;
            }

            var cells = lines[i].Split('|');
            if (i + 1 < lines.Length && IsSeparator(lines[i + 1]))
            {
                blank = cells.Select((c, at) => (c, at)).Where(p => p.c.Contains("second", StringComparison.OrdinalIgnoreCase)).Select(p => p.at).ToArray();
                continue;
            }

            foreach (var at in blank.Where(a => a < cells.Length))
            {
                cells[at] = " · ";
            }

            lines[i] = string.Join('|', cells);
        }

        return string.Join('\n', lines);
    }

    private static bool IsSeparator(string line) => line.StartsWith('|') && line.All(c => c is '|' or '-' or ':' or ' ');

    /// <summary>The JSON with every property whose name mentions seconds (time, throughput) removed, at any depth.</summary>
    public static string Json(string text)
    {
        var node = JsonNode.Parse(text);
        Strip(node);
        return node?.ToJsonString() ?? "null";
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in o.Select(p => p.Key).Where(k => k.Contains("second", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    o.Remove(name);
                }

                foreach (var (_, value) in o)
                {
                    Strip(value);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Strip(item);
                }

                break;
        }
    }
}
