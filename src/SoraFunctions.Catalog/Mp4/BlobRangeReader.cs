using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace SoraFunctions.Catalog;

/// <summary>
/// Ranged reads of a blob for <see cref="Mp4Inspector"/>. The first read fetches the head of the blob (64 KiB by
/// default) and keeps it, because the boxes an inspection needs usually sit there (<c>ftyp</c>, and <c>moov</c>
/// for faststart files); any other read is one <c>Get Blob</c> with exactly that range.
/// </summary>
public static class BlobRangeReader
{
    /// <summary>The default size of the cached head.</summary>
    public const int DefaultHeadBytes = 64 * 1024;

    /// <summary>
    /// Returns a reader over <paramref name="blob"/>. With <paramref name="ifMatch"/> every read is conditional
    /// on that ETag, so all ranges come from the same version of the blob (a changed blob fails with 412).
    /// The reader is meant for one sequential inspection; it is not safe for concurrent reads.
    /// </summary>
    public static ReadAtAsync Create(BlobClient blob, ETag? ifMatch = null, int headBytes = DefaultHeadBytes)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentOutOfRangeException.ThrowIfNegative(headBytes);
        BlobRequestConditions? conditions = ifMatch is { } etag ? new BlobRequestConditions { IfMatch = etag } : null;
        byte[]? head = null;
        int headLength = 0;

        return async (offset, buffer, cancellationToken) =>
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (head is null && headBytes > 0 && offset < headBytes)
            {
                byte[] fetched = new byte[headBytes];
                headLength = await ReadRangeAsync(blob, conditions, 0, fetched, cancellationToken).ConfigureAwait(false);
                head = fetched;
            }

            if (head is not null)
            {
                // A head shorter than asked for is the whole blob: every read can be answered from it.
                bool wholeBlob = headLength < headBytes;
                if (offset + buffer.Length <= headLength || wholeBlob)
                {
                    int count = (int)Math.Clamp(headLength - offset, 0, buffer.Length);
                    head.AsMemory((int)Math.Min(offset, headLength), count).CopyTo(buffer);
                    return count;
                }
            }

            return await ReadRangeAsync(blob, conditions, offset, buffer, cancellationToken).ConfigureAwait(false);
        };
    }

    static async ValueTask<int> ReadRangeAsync(
        BlobClient blob,
        BlobRequestConditions? conditions,
        long offset,
        Memory<byte> buffer,
        CancellationToken cancellationToken)
    {
        var options = new BlobDownloadOptions
        {
            Range = new HttpRange(offset, buffer.Length),
            Conditions = conditions,
        };
        try
        {
            Response<BlobDownloadStreamingResult> response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            await using Stream content = response.Value.Content;
            return await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            // The range starts at or past the end of the blob.
            return 0;
        }
    }
}
