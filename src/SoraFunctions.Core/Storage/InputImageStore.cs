using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace SoraFunctions.Storage;

/// <summary>
/// Images clients send for image-to-video, kept in the output account's <c>inputs</c> container as
/// <c>{jobId}.{ext}</c>: the create activity streams them to the provider from there, so no image bytes pass through
/// orchestration state.
/// </summary>
public sealed class InputImageStore(BlobServiceClient service)
{
    public const string ContainerName = "inputs";

    volatile bool containerReady;

    BlobContainerClient Container => service.GetBlobContainerClient(ContainerName);

    /// <summary>Stores the image once (a resubmission of the same job keeps the first); answers its blob name.</summary>
    public async Task<string> SaveAsync(string jobId, string extension, string contentType, BinaryData image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!containerReady)
        {
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            containerReady = true;
        }

        string name = jobId + extension;
        try
        {
            await Container.GetBlobClient(name).UploadAsync(
                image,
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType }, Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Already stored by an earlier attempt of the same submission.
        }

        return name;
    }

    /// <summary>Opens a stored image as a stream with its content type; null when it is gone.</summary>
    public async Task<(Stream Content, string ContentType)?> OpenAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            Response<BlobDownloadStreamingResult> response = await Container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return (response.Value.Content, response.Value.Details.ContentType ?? "application/octet-stream");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
