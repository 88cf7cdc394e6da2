namespace SoraFunctions.Provider.Sora;

/// <summary>Whether trying the same call again may succeed.</summary>
public enum SoraErrorKind
{
    /// <summary>Rate limits, server errors, timeouts, connection failures: worth another try later.</summary>
    Transient,

    /// <summary>Bad requests, authentication, unknown videos: the same call will fail again.</summary>
    Terminal,
}

/// <summary>Why a call to the provider failed.</summary>
public sealed record SoraError
{
    /// <summary>Transient (try again later) or terminal.</summary>
    public required SoraErrorKind Kind { get; init; }

    /// <summary>The HTTP status; null for transport failures and timeouts.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The provider's <c>error.code</c>, for example <c>invalid_api_key</c>, or one of this client's codes
    /// (<c>timeout</c>, <c>connection_failed</c>, <c>invalid_response</c>, <c>too_many_redirects</c>, <c>authentication_failed</c>).</summary>
    public string? Code { get; init; }

    /// <summary>The provider's <c>error.type</c>.</summary>
    public string? Type { get; init; }

    /// <summary>The provider's <c>error.param</c>: the request field at fault.</summary>
    public string? Param { get; init; }

    /// <summary>The provider's message, or a clear one of this client's; never contains the key.</summary>
    public required string Message { get; init; }

    /// <summary>The wait the provider asked for (<c>retry-after-ms</c>, else <c>Retry-After</c>), at most 120 seconds.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// True when the provider may have processed the request although it failed (5xx, a timeout or a connection
    /// lost after the request was sent): a create must then not be retried blindly. False for 4xx (including 408
    /// and 429) and for failures before anything was sent (connection refused, DNS).
    /// </summary>
    public bool MayHaveReachedProvider { get; init; }

    /// <summary>True for <see cref="SoraErrorKind.Transient"/>.</summary>
    public bool IsTransient => Kind == SoraErrorKind.Transient;
}

/// <summary>Thrown where a <see cref="SoraResult{T}"/> cannot be returned (enumerations), or by <see cref="SoraResult{T}.GetValueOrThrow"/>.</summary>
public sealed class SoraException : Exception
{
    /// <summary>Creates the exception for an error.</summary>
    public SoraException(SoraError error)
        : this(error, null)
    {
    }

    /// <summary>Creates the exception for an error with its cause.</summary>
    public SoraException(SoraError error, Exception? innerException)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message, innerException)
    {
        Error = error;
    }

    /// <summary>Creates a terminal error with a message.</summary>
    public SoraException()
        : this(new SoraError { Kind = SoraErrorKind.Terminal, Message = "The Sora provider call failed." })
    {
    }

    /// <summary>Creates a terminal error with a message.</summary>
    public SoraException(string message)
        : this(new SoraError { Kind = SoraErrorKind.Terminal, Message = message })
    {
    }

    /// <summary>Creates a terminal error with a message and its cause.</summary>
    public SoraException(string message, Exception? innerException)
        : this(new SoraError { Kind = SoraErrorKind.Terminal, Message = message }, innerException)
    {
    }

    /// <summary>What failed.</summary>
    public SoraError Error { get; }
}
