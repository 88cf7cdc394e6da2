using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SoraFunctions.Telemetry;

namespace SoraFunctions.Benchmarks;

/// <summary>
/// Collects the pipeline's own measurements (<see cref="PipelineTelemetry"/>) in this process: every histogram value,
/// keyed by instrument and, for activity round trips, by activity; and the job counters.
/// </summary>
sealed class PipelineMetrics : IDisposable
{
    readonly MeterListener listener = new();
    readonly ConcurrentDictionary<string, ConcurrentQueue<double>> samples = new(StringComparer.Ordinal);
    long completed;
    long failed;

    public PipelineMetrics()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineTelemetry.Name || instrument.Name == HttpClientDuration)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            string key = instrument.Name;
            if (instrument.Name == HttpClientDuration)
            {
                // HttpClient's own: keyed by method and port, so that the provider's calls can be told from storage's.
                string? method = null;
                object? port = null;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    method = tag.Key == "http.request.method" ? tag.Value as string : method;
                    port = tag.Key == "server.port" ? tag.Value : port;
                }

                key = HttpKey(method ?? "?", Convert.ToInt32(port, System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "activity")
                {
                    key += "/" + tag.Value;
                }
            }

            samples.GetOrAdd(key, _ => new ConcurrentQueue<double>()).Enqueue(value);
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument == PipelineTelemetry.JobsCompleted)
            {
                Interlocked.Add(ref completed, value);
            }
            else if (instrument == PipelineTelemetry.JobsFailed)
            {
                Interlocked.Add(ref failed, value);
            }
        });
        listener.Start();
    }

    /// <summary>HttpClient's request duration (<c>System.Net.Http</c>): from sending to the answer's headers.</summary>
    const string HttpClientDuration = "http.client.request.duration";

    /// <summary>The key of HttpClient's request durations for one method and server port.</summary>
    public static string HttpKey(string method, int port) => $"{HttpClientDuration}/{method} {port}";

    /// <summary>Jobs that ended completed or failed since the last <see cref="Reset"/>.</summary>
    public long Ended => Interlocked.Read(ref completed) + Interlocked.Read(ref failed);

    public IReadOnlyList<double> Of(string key) => samples.TryGetValue(key, out ConcurrentQueue<double>? values) ? [.. values] : [];

    public void Reset()
    {
        samples.Clear();
        Interlocked.Exchange(ref completed, 0);
        Interlocked.Exchange(ref failed, 0);
    }

    public void Dispose() => listener.Dispose();
}

/// <summary>Nearest-rank percentiles of a sample.</summary>
static class Percentiles
{
    public static double Of(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        int rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
