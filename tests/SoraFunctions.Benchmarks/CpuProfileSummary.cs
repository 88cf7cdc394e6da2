using System.Globalization;
using System.Text.Json;

namespace SoraFunctions.Benchmarks;

/// <summary>
/// Where an Azurite process spent its CPU, from the <c>.cpuprofile</c> Node writes with <c>--cpu-prof</c>: busy time
/// (all samples but idle) and the Azurite and LokiJS functions with the most time inclusive of what they call.
/// Express, middleware and generated dispatch frames are left out: every request passes through them.
/// </summary>
static class CpuProfileSummary
{
    public static void Print(string service, string path, int top = 8)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = document.RootElement;
        var frames = new Dictionary<int, (string Key, bool Ours, int Parent)>();
        foreach (JsonElement node in root.GetProperty("nodes").EnumerateArray())
        {
            int id = node.GetProperty("id").GetInt32();
            JsonElement call = node.GetProperty("callFrame");
            string url = call.GetProperty("url").GetString() ?? string.Empty;
            string file = url[(url.LastIndexOf('/') + 1)..];
            string name = call.GetProperty("functionName").GetString() is { Length: > 0 } named ? named : "(anonymous)";
            bool ours = (url.Contains("/azurite/dist/src/", StringComparison.Ordinal) || url.Contains("/lokijs/", StringComparison.Ordinal))
                && !url.Contains("iddleware", StringComparison.Ordinal) && !url.Contains("/generated/", StringComparison.Ordinal);
            int parent = frames.TryGetValue(id, out (string Key, bool Ours, int Parent) known) ? known.Parent : 0;
            frames[id] = ($"{name} ({file}:{call.GetProperty("lineNumber").GetInt32() + 1})", ours, parent);
            if (node.TryGetProperty("children", out JsonElement children))
            {
                foreach (JsonElement child in children.EnumerateArray())
                {
                    int childId = child.GetInt32();
                    frames[childId] = frames.TryGetValue(childId, out (string Key, bool Ours, int Parent) c) ? c with { Parent = id } : (string.Empty, false, id);
                }
            }
        }

        // Each sample's time is the delta that follows it.
        JsonElement samples = root.GetProperty("samples");
        JsonElement deltas = root.GetProperty("timeDeltas");
        var self = new Dictionary<int, long>();
        int count = samples.GetArrayLength();
        for (int i = 0; i < count; i++)
        {
            long delta = i + 1 < count ? Math.Max(0, deltas[i + 1].GetInt64()) : 0;
            int id = samples[i].GetInt32();
            self[id] = self.GetValueOrDefault(id) + delta;
        }

        long busy = 0;
        var inclusive = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach ((int id, long micros) in self)
        {
            if (frames[id].Key.StartsWith("(idle)", StringComparison.Ordinal))
            {
                continue;
            }

            busy += micros;
            var counted = new HashSet<string>(StringComparer.Ordinal);
            for (int at = id; at != 0 && frames.TryGetValue(at, out (string Key, bool Ours, int Parent) frame); at = frame.Parent)
            {
                if (frame.Ours && counted.Add(frame.Key))
                {
                    inclusive[frame.Key] = inclusive.GetValueOrDefault(frame.Key) + micros;
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Azurite {service}: busy {busy / 1e6:F1} CPU s ({Path.GetFileName(path)}); most time, inclusive:"));
        foreach ((string frame, long micros) in inclusive.OrderByDescending(f => f.Value).Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {micros / 1e6,7:F1} s {100.0 * micros / Math.Max(1, busy),5:F1} %  {frame}"));
        }
    }
}
