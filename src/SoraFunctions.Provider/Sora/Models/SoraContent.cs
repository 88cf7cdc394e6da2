namespace SoraFunctions.Provider.Sora;

/// <summary>
/// A downloaded rendition, streamed: <see cref="Stream"/> is the HTTP response body, read incrementally. The caller
/// disposes this object, which releases the HTTP response and its connection. Reading may throw
/// <see cref="IOException"/> (connection lost) or <see cref="OperationCanceledException"/> (no data within the request
/// timeout); a body shorter than <see cref="ContentLength"/> means it was cut.
/// </summary>
public sealed class SoraContent : IAsyncDisposable, IDisposable
{
    readonly IDisposable? owner;
    int disposed;

    /// <summary>Wraps a stream (owned and disposed by this object), for example in tests of code that consumes downloads.</summary>
    public SoraContent(Stream stream, long? contentLength, string? contentType)
        : this(stream, contentLength, contentType, null)
    {
    }

    internal SoraContent(Stream stream, long? contentLength, string? contentType, IDisposable? owner)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Stream = stream;
        ContentLength = contentLength;
        ContentType = contentType;
        this.owner = owner;
    }

    /// <summary>The response body, read incrementally; never buffered by the client.</summary>
    public Stream Stream { get; }

    /// <summary>The declared length (<c>Content-Length</c>), when sent.</summary>
    public long? ContentLength { get; }

    /// <summary>The media type (<c>video/mp4</c>, <c>image/webp</c>, <c>image/jpeg</c>), when sent.</summary>
    public string? ContentType { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            Stream.Dispose();
            owner?.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            await Stream.DisposeAsync();
            owner?.Dispose();
        }
    }
}
