using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace SoraFunctions.Telemetry;

/// <summary>
/// Totals of the pipeline's metrics since start, for a one-line summary when a host stops (the local host prints it).
/// Listens to <see cref="PipelineTelemetry.Meter"/> in-process, beside whatever exporter is configured.
/// </summary>
public sealed class PipelineMetricsSummary : IDisposable
{
    readonly MeterListener listener = new();
    readonly ConcurrentDictionary<string, double> totals = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, double> maxima = new(StringComparer.Ordinal);

    public PipelineMetricsSummary()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == PipelineTelemetry.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
    }

    /// <summary>The total of an instrument since start, optionally for one tag value (e.g. <c>sora.jobs.failed</c>, <c>code=timeout</c>).</summary>
    public double Total(string instrument, string? tag = null) => totals.GetValueOrDefault(tag is null ? instrument : $"{instrument}|{tag}");

    /// <summary>
    /// E.g. <c>jobs: 3 started, 2 completed, 1 failed (timeout 1); provider calls: 14 (429s: 0); stored 2 videos, 116.2 KB,
    /// slowest 1.4 s after the provider finished; estimated cost 1.20 USD</c>.
    /// </summary>
    public string Describe()
    {
        string failures = string.Join(", ", totals
            .Where(t => t.Key.StartsWith("sora.jobs.failed|code=", StringComparison.Ordinal))
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key["sora.jobs.failed|code=".Length..]} {t.Value:0}"));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"jobs: {Total("sora.jobs.started"):0} started, {Total("sora.jobs.completed"):0} completed, {Total("sora.jobs.failed"):0} failed{(failures.Length > 0 ? $" ({failures})" : "")}; "
            + $"provider calls: {Total("sora.provider.calls"):0} (429s: {Total("sora.provider.throttled"):0}); "
            + $"stored {Total("sora.store.delay"):0} videos, {Total("sora.store.bytes") / 1024:0.0} KiB, slowest {maxima.GetValueOrDefault("sora.store.delay"):0.0} s after the provider finished; "
            + $"estimated cost {Total("sora.cost.estimated"):0.00} USD");
    }

    void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // A histogram counts its measurements; a counter sums them.
        double amount = instrument is Histogram<double> ? 1 : value;
        totals.AddOrUpdate(instrument.Name, amount, (_, v) => v + amount);
        maxima.AddOrUpdate(instrument.Name, value, (_, v) => Math.Max(v, value));
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            totals.AddOrUpdate($"{instrument.Name}|{tag.Key}={tag.Value}", amount, (_, v) => v + amount);
        }
    }

    public void Dispose() => listener.Dispose();
}
