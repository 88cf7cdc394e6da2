namespace SoraFunctions.Provider.Sora;

/// <summary>
/// A typed client of the Sora 2 Videos API. Expected failures (HTTP errors, timeouts, connection failures) come back as
/// a failed <see cref="SoraResult{T}"/>, classified <see cref="SoraErrorKind.Transient"/> or terminal; the client never
/// retries by itself. Cancelling <c>cancellationToken</c> throws <see cref="OperationCanceledException"/>.
/// </summary>
public interface ISoraClient
{
    /// <summary>Creates a video job (<c>POST /videos</c>, multipart/form-data).</summary>
    Task<SoraResult<SoraVideo>> CreateVideoAsync(SoraCreateRequest request, CancellationToken cancellationToken = default);

    /// <summary>Retrieves a video job (<c>GET /videos/{id}</c>).</summary>
    Task<SoraResult<SoraVideo>> GetVideoAsync(string videoId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a rendition (<c>GET /videos/{id}/content?variant=</c>), following up to 3 redirects (no credentials to
    /// another host). The caller disposes the <see cref="SoraContent"/>; the body is never buffered.
    /// </summary>
    Task<SoraResult<SoraContent>> DownloadContentAsync(string videoId, SoraVariant variant = SoraVariant.Video, CancellationToken cancellationToken = default);

    /// <summary>Lists one page of videos (<c>GET /videos?limit=&amp;order=&amp;after=</c>).</summary>
    Task<SoraResult<SoraVideoPage>> ListVideosAsync(SoraListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Lists every video, following <c>has_more</c>/<c>after</c>; throws <see cref="SoraException"/> when a page fails.</summary>
    IAsyncEnumerable<SoraVideo> ListAllVideosAsync(SoraListOrder order = SoraListOrder.Desc, int pageSize = 100, CancellationToken cancellationToken = default);

    /// <summary>Deletes a video (<c>DELETE /videos/{id}</c>).</summary>
    Task<SoraResult<SoraDeleted>> DeleteVideoAsync(string videoId, CancellationToken cancellationToken = default);

    /// <summary>Creates a remix of a completed video (<c>POST /videos/{id}/remix</c>).</summary>
    Task<SoraResult<SoraVideo>> RemixVideoAsync(string videoId, string prompt, CancellationToken cancellationToken = default);
}
