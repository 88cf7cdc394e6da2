using System.Buffers;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;

namespace SoraFunctions.Storage;

/// <summary>What <see cref="VideoBlobStore.StoreAsync"/> did.</summary>
public sealed record BlobStoreResult(Uri BlobUri, long Bytes, bool AlreadyStored);

/// <summary>The source stream ended with a different byte count than the provider announced.</summary>
public sealed class IncompleteDownloadException(string message) : IOException(message);

/// <summary>
/// Writes finished videos into the output container: streamed in fixed-size blocks (memory stays at one block
/// whatever the file size), committed once with <c>If-None-Match: *</c> so that a repeated attempt never
/// commits a second time and consumers see one <c>BlobCreated</c> per video. Uncommitted blocks are invisible,
/// so nothing partial ever appears under the blob's name.
/// </summary>
public sealed class VideoBlobStore : IDisposable
{
    /// <summary>Bytes per staged block; the only video bytes held in memory at once.</summary>
    public const int DefaultBlockSize = 4 * 1024 * 1024;

    readonly BlobServiceClient service;
    readonly VideoStorageOptions options;
    readonly ILogger<VideoBlobStore> logger;
    readonly int blockSize;
    readonly SemaphoreSlim containerGate = new(1, 1);
    readonly SemaphoreSlim delegationKeyGate = new(1, 1);
    volatile bool containerReady;
    UserDelegationKey? delegationKey;

    public VideoBlobStore(BlobServiceClient service, IOptions<VideoStorageOptions> options, ILogger<VideoBlobStore> logger)
        : this(service, options.Value, logger, DefaultBlockSize)
    {
    }

    internal VideoBlobStore(BlobServiceClient service, VideoStorageOptions options, ILogger<VideoBlobStore> logger, int blockSize)
    {
        this.service = service;
        this.options = options;
        this.logger = logger;
        this.blockSize = blockSize;
    }

    public string ContainerName => options.Container;

    public BlobContainerClient Container => service.GetBlobContainerClient(options.Container);

    /// <summary>
    /// Stores a video under <paramref name="blobName"/> unless this job already did. <paramref name="openSource"/>
    /// is called only when the blob does not exist yet, so a repeat costs no provider download.
    /// </summary>
    /// <exception cref="IncompleteDownloadException">The source ended early or ran long (transient: try again).</exception>
    /// <exception cref="InvalidOperationException">The name is taken by another job's video.</exception>
    public async Task<BlobStoreResult> StoreAsync(
        string blobName,
        IDictionary<string, string> metadata,
        Func<CancellationToken, Task<(Stream Content, long? Length)>> openSource,
        CancellationToken cancellationToken,
        string contentType = "video/mp4")
    {
        BlockBlobClient blob = Container.GetBlockBlobClient(blobName);
        string jobId = metadata[BlobMetadataKeys.JobId];

        BlobStoreResult? existing = await TryGetExistingAsync(blob, jobId, cancellationToken);
        if (existing is not null)
        {
            logger.LogInformation("Blob {BlobName} already holds job {JobId}'s video; nothing to do", blobName, jobId);
            return existing;
        }

        await EnsureContainerAsync(cancellationToken);
        (Stream content, long? length) = await openSource(cancellationToken);
        List<string> blockIds = [];
        long total = 0;
        // A video smaller than a block needs no more buffer than its announced length: a crowd of short clips
        // stored at once must not hold a full block each.
        int chunk = length is { } announcedLength && announcedLength < blockSize ? (int)Math.Max(announcedLength, 1) : blockSize;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(chunk);
        try
        {
            await using (content)
            {
                while (true)
                {
                    int filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, chunk), chunk, throwOnEndOfStream: false, cancellationToken);
                    if (filled == 0)
                    {
                        break;
                    }

                    total += filled;
                    if (length is { } announced && total > announced)
                    {
                        throw new IncompleteDownloadException($"The provider sent more than the {announced} bytes it announced.");
                    }

                    string blockId = BlockId(blockIds.Count);
                    using (var block = new MemoryStream(buffer, 0, filled, writable: false))
                    {
                        await blob.StageBlockAsync(blockId, block, new BlockBlobStageBlockOptions(), cancellationToken);
                    }

                    blockIds.Add(blockId);
                    if (filled < chunk)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (length is { } expected && total != expected)
        {
            throw new IncompleteDownloadException($"The provider announced {expected} bytes but sent {total}.");
        }

        if (total == 0)
        {
            throw new IncompleteDownloadException("The provider sent an empty video.");
        }

        try
        {
            await blob.CommitBlockListAsync(
                blockIds,
                new CommitBlockListOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    Metadata = metadata,
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another attempt of this activity committed first: that commit stands, this one is not needed.
            existing = await TryGetExistingAsync(blob, jobId, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }

            throw;
        }

        logger.LogInformation("Stored {Bytes} bytes in {Blocks} blocks as {BlobName}", total, blockIds.Count, blobName);
        return new BlobStoreResult(blob.Uri, total, AlreadyStored: false);
    }

    /// <summary>Opens a stored video for reading, or null when it does not exist.</summary>
    public async Task<(Stream Content, long Length)?> OpenReadAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobClient blob = Container.GetBlobClient(blobName);
        try
        {
            Response<BlobDownloadStreamingResult> response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
            return (response.Value.Content, response.Value.Details.ContentLength);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// A short-lived read-only link to a stored video: a service SAS when the connection has an account key
    /// (Azurite), a user-delegation SAS with an identity, or null when neither is possible.
    /// </summary>
    public async Task<Uri?> TryCreateReadLinkAsync(string blobName, TimeProvider time, CancellationToken cancellationToken, string contentType = "video/mp4")
    {
        BlobClient blob = Container.GetBlobClient(blobName);
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expiresOn = now.AddMinutes(options.LinkMinutes);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresOn)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = now.AddMinutes(-5),
            ContentType = contentType,
            Protocol = LinkProtocol(blob.Uri) ?? SasProtocol.Https,
        };

        if (LinkProtocol(blob.Uri) is null)
        {
            // A link over plain http beyond this machine would carry the signature in the clear: stream instead.
            logger.LogWarning("The video storage is reached over http beyond loopback; serving videos as streams, not links");
            return null;
        }

        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(sas);
        }

        try
        {
            UserDelegationKey key = await GetDelegationKeyAsync(now, cancellationToken);
            var builder = new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, service.AccountName) };
            return builder.ToUri();
        }
        catch (RequestFailedException ex)
        {
            logger.LogWarning("Cannot create a user delegation key ({Status} {Code}); serving videos as streams", ex.Status, ex.ErrorCode);
            return null;
        }
    }

    /// <summary>
    /// The protocol a link may use: https only when the account is reached over https; http also for loopback or
    /// Azurite's development account; null (no link) for plain http to anything else.
    /// </summary>
    internal static SasProtocol? LinkProtocol(Uri blobUri) =>
        blobUri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https
        : blobUri.IsLoopback || blobUri.AbsolutePath.StartsWith("/devstoreaccount1/", StringComparison.Ordinal) ? SasProtocol.HttpsAndHttp
        : null;

    async Task<UserDelegationKey> GetDelegationKeyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await delegationKeyGate.WaitAsync(cancellationToken);
        try
        {
            // A key is valid for up to seven days; take a day's key and renew it an hour before it lapses.
            if (delegationKey is null || delegationKey.SignedExpiresOn < now.AddHours(1).AddMinutes(options.LinkMinutes))
            {
                delegationKey = (await service.GetUserDelegationKeyAsync(now.AddMinutes(-5), now.AddDays(1), cancellationToken)).Value;
            }

            return delegationKey;
        }
        finally
        {
            delegationKeyGate.Release();
        }
    }

    static async Task<BlobStoreResult?> TryGetExistingAsync(BlockBlobClient blob, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            BlobProperties properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            if (properties.Metadata.TryGetValue(BlobMetadataKeys.JobId, out string? owner) && owner == jobId)
            {
                return new BlobStoreResult(blob.Uri, properties.ContentLength, AlreadyStored: true);
            }

            throw new InvalidOperationException($"Blob {blob.Name} already exists and belongs to job '{owner}', not '{jobId}'.");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (containerReady)
        {
            return;
        }

        await containerGate.WaitAsync(cancellationToken);
        try
        {
            if (!containerReady)
            {
                await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                containerReady = true;
            }
        }
        finally
        {
            containerGate.Release();
        }
    }

    public void Dispose()
    {
        containerGate.Dispose();
        delegationKeyGate.Dispose();
    }

    static string BlockId(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{index:D8}"));
}
