using System.Globalization;

namespace SoraFunctions.Jobs;

/// <summary>The output blob naming contract: <c>{yyyy}/{MM}/{dd}/{jobId}.mp4</c>, UTC date of the job's start.</summary>
public static class BlobNames
{
    public static string For(string jobId, DateTime startedAtUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{startedAtUtc:yyyy}/{startedAtUtc:MM}/{startedAtUtc:dd}/{jobId}.mp4");
}

/// <summary>The metadata keys every stored video carries.</summary>
public static class BlobMetadataKeys
{
    public const string JobId = "jobid";
    public const string ProviderVideoId = "providervideoid";
    public const string Model = "model";
    public const string Seconds = "seconds";
    public const string Size = "size";
}
