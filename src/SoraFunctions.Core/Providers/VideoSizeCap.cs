namespace SoraFunctions.Providers;

/// <summary>A download larger than the configured cap: not worth retrying, the same video would be as large.</summary>
public sealed class VideoTooLargeException(long maxBytes)
    : InvalidOperationException($"The video is larger than the limit of {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>
/// A read-only stream that counts the bytes it passes and fails the read that goes past <c>maxBytes</c>, so that
/// the cap holds also when the provider sends no <c>Content-Length</c>.
/// </summary>
public sealed class SizeCappedStream(Stream inner, long maxBytes) : Stream
{
    long total;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => total; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    int Count(int read)
    {
        total += read;
        return total > maxBytes ? throw new VideoTooLargeException(maxBytes) : read;
    }
}
