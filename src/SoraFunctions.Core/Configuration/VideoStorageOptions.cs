using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.Configuration;

/// <summary>
/// Where finished videos go (configuration section <c>VideoStorage</c>). The connection itself is the value of
/// <c>VideoStorage</c> (a connection string) or its identity-based form (<c>VideoStorage__blobServiceUri</c>,
/// <c>__credential</c>, <c>__clientId</c>), named as <see cref="Storage.StorageConnections"/> describes.
/// </summary>
public sealed class VideoStorageOptions
{
    public const string SectionName = "VideoStorage";

    /// <summary>The container finished videos are written to.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "VideoStorage:Container must be a valid blob container name (3-63 lowercase letters, digits and single hyphens).")]
    public string Container { get; set; } = "videos";

    /// <summary>How long a read-only link handed out by <c>GET /api/videos/{id}/content</c> stays valid, in minutes.</summary>
    [Range(1, 1440)]
    public int LinkMinutes { get; set; } = 15;
}
