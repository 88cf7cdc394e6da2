using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Text.RegularExpressions;

namespace SoraFunctions.Benchmarks;

/// <summary>
/// Counts the storage requests of this process (the app, the engine and the emulator all use the Azure SDK) by
/// service, method and resource, from the Azure SDK's own <c>Azure-Core</c> event source. Opt-in: it costs CPU.
/// </summary>
sealed partial class StorageRequestCounter(int blobPort, int queuePort, int tablePort) : EventListener
{
    readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);
    volatile bool counting;

    public void Start()
    {
        counts.Clear();
        counting = true;
    }

    public IReadOnlyDictionary<string, int> Stop()
    {
        counting = false;
        return new Dictionary<string, int>(counts, StringComparer.Ordinal);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Azure-Core")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!counting || eventData.EventName != "Request" || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        int methodAt = eventData.PayloadNames.IndexOf("method");
        int uriAt = eventData.PayloadNames.IndexOf("uri");
        if (methodAt < 0 || uriAt < 0 || eventData.Payload[uriAt] is not string uri)
        {
            return;
        }

        counts.AddOrUpdate($"{eventData.Payload[methodAt]} {Classify(uri)}", 1, (_, n) => n + 1);
    }

    /// <summary>The service (by port) and the resource: a queue, a table or a blob container, with ids blanked.</summary>
    string Classify(string uri)
    {
        var parsed = new Uri(uri);
        string[] segments = parsed.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string resource = segments.Length > 1 ? segments[1] : "(account)";
        int paren = resource.IndexOf('(', StringComparison.Ordinal);
        resource = Digits().Replace(paren >= 0 ? resource[..paren] : resource, "#");
        string service = parsed.Port == blobPort ? "blob" : parsed.Port == queuePort ? "queue" : parsed.Port == tablePort ? "table" : parsed.Authority;
        string detail = service == "queue" && segments.Length > 2 ? " messages" : service == "blob" && parsed.Query.Contains("comp=", StringComparison.Ordinal) ? " " + parsed.Query.TrimStart('?').Split('&').First(q => q.StartsWith("comp=", StringComparison.Ordinal)) : "";
        return $"{service} {resource}{detail}";
    }

    [GeneratedRegex("[0-9a-f]{8,}|[0-9]+")]
    private static partial Regex Digits();
}
