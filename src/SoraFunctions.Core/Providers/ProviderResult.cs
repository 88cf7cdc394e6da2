using System.Diagnostics.CodeAnalysis;
using SoraFunctions.Activities;
using SoraFunctions.Jobs;

namespace SoraFunctions.Providers;

/// <summary>A provider call's value, or why it failed; <see cref="PollAfter"/> carries a provider's pacing hint.</summary>
public sealed record ProviderResult<T>
{
    ProviderResult(T? value, ProviderError? error, TimeSpan? pollAfter)
    {
        Value = value;
        Error = error;
        PollAfter = pollAfter;
    }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public T? Value { get; }

    public ProviderError? Error { get; }

    public TimeSpan? PollAfter { get; }

    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Factories beside the type read best at call sites.")]
    public static ProviderResult<T> Success(T value, TimeSpan? pollAfter = null) => new(value, null, pollAfter);

    [SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "Factories beside the type read best at call sites.")]
    public static ProviderResult<T> Failure(ProviderError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)), null);
}

/// <summary>A failed provider call, classified for the orchestrator's decision.</summary>
public sealed record ProviderError
{
    /// <summary>True when trying again later may work (429, 5xx, timeouts, lost connections).</summary>
    public required bool Transient { get; init; }

    public int? StatusCode { get; init; }

    /// <summary>The provider's error code (passed to clients unchanged), when it sent one.</summary>
    public string? Code { get; init; }

    public required string Message { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when the request may have been acted on although no answer came back (a create may have happened).</summary>
    public bool MayHaveReachedProvider { get; init; }

    /// <summary>The job error for this failure: the provider's code, else <paramref name="fallbackCode"/>.</summary>
    public JobError ToJobError(string fallbackCode)
    {
        string status = StatusCode is { } s ? $"HTTP {s}" : "no response";
        return new JobError(Code ?? fallbackCode, $"{Message} ({status})");
    }
}

/// <summary>A finished video's bytes as a stream, with its length when the provider sent one.</summary>
public sealed class ProviderContent(Stream stream, long? length, IAsyncDisposable? owner = null) : IAsyncDisposable
{
    int disposed;

    public Stream Stream { get; } = stream ?? throw new ArgumentNullException(nameof(stream));

    public long? Length { get; } = length;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            await Stream.DisposeAsync();
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }
        }
    }
}

/// <summary>Thrown inside the store step when the provider refuses the download, to leave the blob uncommitted.</summary>
public sealed class ProviderException : Exception
{
    public ProviderException(ProviderError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message) => Error = error;

    public ProviderException()
        : this(new ProviderError { Transient = false, Message = "The provider call failed." })
    {
    }

    public ProviderException(string message)
        : this(new ProviderError { Transient = false, Message = message })
    {
    }

    public ProviderException(string message, Exception innerException)
        : base(message, innerException) => Error = new ProviderError { Transient = false, Message = message };

    public ProviderError Error { get; }
}
