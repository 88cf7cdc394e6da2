using System.Globalization;

namespace SoraFunctions.Jobs;

/// <summary>The output blob naming contract: <c>{yyyy}/{MM}/{dd}/{jobId}.mp4</c>, UTC date of the job's start.</summary>
public static class BlobNames
{
    public static string For(string jobId, DateTime startedAtUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{startedAtUtc:yyyy}/{startedAtUtc:MM}/{startedAtUtc:dd}/{jobId}.mp4");

    /// <summary>A rendition beside the video: the same name with the rendition's extension (<c>….webp</c>, <c>….jpg</c>).</summary>
    public static string Beside(string videoBlobName, string extension) => Catalog.RenditionFiles.Beside(videoBlobName, extension);
}
