using System.Globalization;
using SoraFunctions.Activities;
using SoraFunctions.Catalog;
using SoraFunctions.Jobs;

namespace SoraFunctions.Orchestration;

/// <summary>What a job's store activity is told: where to put the video and what its blob says about the job.</summary>
static class StoreInputs
{
    /// <summary>
    /// The store reads the model, duration and size of the spec, not the prompt, which stays out of every status
    /// check's history.
    /// </summary>
    public static StoreVideoInput For(VideoJobInput input, JobProgress state) => For(input, state.ProviderVideoId, state.BlobName);

    /// <inheritdoc cref="For(VideoJobInput, JobProgress)"/>
    public static StoreVideoInput For(VideoJobInput input, string providerVideoId, string blobName) =>
        new(input.JobId, providerVideoId, blobName, input.Spec with { Prompt = string.Empty })
        {
            Renditions = input.Renditions,
            Metadata = ExtraMetadata(input),
        };

    /// <summary>What the video's blob says about the job besides the basics: its cost, remix source and batch.</summary>
    static Dictionary<string, string> ExtraMetadata(VideoJobInput input)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (input.EstimatedCostUsd is { } cost)
        {
            metadata[BlobMetadataKeys.CostUsd] = cost.ToString("0.00", CultureInfo.InvariantCulture);
        }

        if (input.RemixOf is { } source)
        {
            metadata[BlobMetadataKeys.RemixOf] = source.JobId;
        }

        if (input.BatchId is { } batch)
        {
            metadata[BlobMetadataKeys.BatchId] = batch;
        }

        return metadata;
    }
}
