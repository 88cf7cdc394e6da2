namespace SoraFunctions.LocalHost.Cli;

/// <summary>The parts of <c>GET /api/videos/{id}</c> the CLI shows.</summary>
public sealed record JobSnapshot(string Id, string Status, int? Progress, JobBlob? Blob, JobFailure? Error, long? Bytes)
{
    /// <summary>Whether the job has stopped changing.</summary>
    public bool IsTerminal => Status is "completed" or "failed" or "canceled";
}

/// <summary>Where the finished video is stored.</summary>
public sealed record JobBlob(string Container, string Name, string Url);

/// <summary>Why the job failed.</summary>
public sealed record JobFailure(string Code, string Message);

/// <summary>The parts of <c>GET /api/batches/{id}</c> the CLI shows.</summary>
public sealed record BatchSnapshot(string Id, string Status, int Progress, IReadOnlyList<JobSnapshot> Items);

/// <summary>The <c>202</c> answer of <c>POST /api/videos</c>.</summary>
public sealed record SubmittedJob(string Id, string Status, string? StatusQueryGetUri);
