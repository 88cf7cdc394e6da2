using Microsoft.Extensions.Logging;

namespace SoraFunctions.Catalog.Tests.Support;

/// <summary>Captures log entries (level, rendered message, template) for assertions.</summary>
sealed class ListLogger<T> : ILogger<T>
{
    readonly List<(LogLevel Level, string Message, string? Template)> entries = [];
    readonly Lock gate = new();

    public IReadOnlyList<(LogLevel Level, string Message, string? Template)> Entries
    {
        get
        {
            lock (gate)
            {
                return [.. entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string? template = state is IReadOnlyList<KeyValuePair<string, object?>> values
            ? values.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value as string
            : null;
        lock (gate)
        {
            entries.Add((logLevel, formatter(state, exception), template));
        }
    }
}
