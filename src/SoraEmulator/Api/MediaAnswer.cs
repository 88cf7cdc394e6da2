using SoraEmulator.Jobs;

namespace SoraEmulator.Api;

/// <summary>
/// Streams media bytes with Content-Type and Content-Length. A fault sends about half of the body, then
/// aborts the connection (<see cref="DownloadFault.Reset"/>) or ends the response early so Kestrel closes it
/// (<see cref="DownloadFault.Truncate"/>); either way the client gets fewer bytes than declared.
/// </summary>
sealed class MediaAnswer(
    string contentType,
    long length,
    Func<Stream, long, CancellationToken, Task> writeAsync,
    DownloadFault fault) : IResult
{
    static readonly TimeSpan ResetGrace = TimeSpan.FromMilliseconds(200);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        HttpResponse response = httpContext.Response;
        CancellationToken cancellationToken = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = length;
        response.Headers.CacheControl = "no-store";

        if (fault == DownloadFault.None)
        {
            await writeAsync(response.Body, length, cancellationToken);
            return;
        }

        await response.StartAsync(cancellationToken);
        await writeAsync(response.Body, length / 2, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        if (fault == DownloadFault.Reset)
        {
            // An abort resets the connection, and a reset discards what the client has not read yet: give it a
            // moment to take the headers and the partial body first (real time, whatever clock the jobs use).
            await Task.Delay(ResetGrace, cancellationToken);
            httpContext.Abort();
        }

        // Truncate: returning with fewer bytes than Content-Length makes Kestrel close the connection.
    }

    public static MediaAnswer FromMemory(string contentType, ReadOnlyMemory<byte> data, DownloadFault fault) =>
        new(contentType, data.Length, async (stream, count, ct) =>
        {
            const int chunk = 64 * 1024;
            for (int offset = 0; offset < count; offset += chunk)
            {
                await stream.WriteAsync(data.Slice(offset, (int)Math.Min(chunk, count - offset)), ct);
            }
        }, fault);
}
