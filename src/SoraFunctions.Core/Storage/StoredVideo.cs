namespace SoraFunctions.Storage;

/// <summary>A video the pipeline has just committed to Blob Storage.</summary>
public sealed record StoredVideo(string JobId, string Container, string BlobName, Uri BlobUri, long Bytes);

/// <summary>
/// Told once for each video the pipeline commits. In Azure the storage account's Event Grid system topic tells
/// consumers, so the Functions app uses <see cref="NoVideoStoredNotifier"/>; the local host, which has no
/// Event Grid, delivers the same event to the same consumer code in-process.
/// </summary>
public interface IVideoStoredNotifier
{
    Task OnVideoStoredAsync(StoredVideo video, CancellationToken cancellationToken);
}

/// <summary>The default notifier: Event Grid does the telling.</summary>
public sealed class NoVideoStoredNotifier : IVideoStoredNotifier
{
    public Task OnVideoStoredAsync(StoredVideo video, CancellationToken cancellationToken) => Task.CompletedTask;
}
