using Azure;
using Azure.Data.Tables;
using SoraFunctions.Catalog;

namespace SoraFunctions.Storage;

/// <summary>
/// What the create activity knows of a job's provider creates, so that a create activity run again by the durable
/// engine (the host died after the provider made the video and before the activity's answer was saved) finds the
/// video instead of paying for a second one.
/// </summary>
/// <param name="StartedAt">When the first create whose outcome is not known was about to be sent.</param>
/// <param name="Spec">What the job asks for (<see cref="CreateAttempts.Fingerprint"/>): a row left under a reused job id for another request is not this job's.</param>
/// <param name="VideoId">The provider video the job's create made or adopted; null while a create's outcome is unknown.</param>
public sealed record CreateAttempt(DateTimeOffset StartedAt, string Spec, string? VideoId);

/// <summary>One row per job with a create in doubt or done (see <see cref="CreateAttempt"/>).</summary>
public interface ICreateAttempts
{
    /// <summary>The job's row, or null when no create of the job is in doubt or done.</summary>
    Task<CreateAttempt?> FindAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Writes the job's row, replacing any earlier one.</summary>
    Task SaveAsync(string jobId, CreateAttempt attempt, CancellationToken cancellationToken);

    /// <summary>Removes the job's row (idempotent).</summary>
    Task ClearAsync(string jobId, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="ICreateAttempts"/> in a small table of the videos' storage account, keyed by job id (a job id is
/// always a valid row key: <c>[A-Za-z0-9][A-Za-z0-9_.-]*</c>, or a GUID).
/// </summary>
public sealed class CreateAttempts : ICreateAttempts
{
    public const string TableName = "soracreates";
    const string Partition = "create";

    readonly TableClient table;
    readonly CreateOnce tableCreation;

    public CreateAttempts(TableServiceClient tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        table = tables.GetTableClient(TableName);
        tableCreation = new CreateOnce(token => this.table.CreateIfNotExistsAsync(token));
    }

    public async Task<CreateAttempt?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            NullableResponse<TableEntity> found = await table.GetEntityIfExistsAsync<TableEntity>(Partition, jobId, ["StartedAt", "Spec", "VideoId"], cancellationToken);
            if (!found.HasValue || found.Value!.GetDateTimeOffset("StartedAt") is not { } startedAt)
            {
                return null;
            }

            return new CreateAttempt(startedAt, found.Value.GetString("Spec") ?? string.Empty, found.Value.GetString("VideoId"));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: no create has been recorded.
            return null;
        }
    }

    public async Task SaveAsync(string jobId, CreateAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        await tableCreation.EnsureAsync(cancellationToken);
        var entity = new TableEntity(Partition, jobId) { ["StartedAt"] = attempt.StartedAt, ["Spec"] = attempt.Spec };
        if (attempt.VideoId is { } videoId)
        {
            entity["VideoId"] = videoId;
        }

        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task ClearAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(Partition, jobId, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone, or no table yet.
        }
    }

    /// <summary>What a create asks for, as one string: the spec, and the remix source or input image if any.</summary>
    public static string Fingerprint(SoraFunctions.Jobs.VideoSpec spec, string? remixOf, string? inputImage)
    {
        ArgumentNullException.ThrowIfNull(spec);
        byte[] text = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', spec.Prompt, spec.Model, spec.Size, spec.Seconds, remixOf ?? string.Empty, inputImage ?? string.Empty));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(text));
    }
}
