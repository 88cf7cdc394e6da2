namespace SoraFunctions.Provider.Sora;

/// <summary>Which rendition of a video to download.</summary>
public enum SoraVariant
{
    /// <summary>The MP4 (<c>video/mp4</c>).</summary>
    Video,

    /// <summary>A still image (<c>image/webp</c>).</summary>
    Thumbnail,

    /// <summary>A sprite sheet of frames (<c>image/jpeg</c>).</summary>
    Spritesheet,
}

/// <summary>Sort order of a listing by creation time.</summary>
public enum SoraListOrder
{
    /// <summary>Oldest first.</summary>
    Asc,

    /// <summary>Newest first.</summary>
    Desc,
}

/// <summary>One page request of the video listing.</summary>
/// <param name="Limit">Page size, 1 to 100.</param>
/// <param name="Order">Sort order.</param>
/// <param name="After">Cursor: the <see cref="SoraVideoPage.LastId"/> of the previous page.</param>
public sealed record SoraListQuery(int Limit = 20, SoraListOrder Order = SoraListOrder.Desc, string? After = null);

/// <summary>One page of the video listing.</summary>
/// <param name="Data">The videos of this page.</param>
/// <param name="FirstId">The first id of this page.</param>
/// <param name="LastId">The last id of this page: the cursor for the next one.</param>
/// <param name="HasMore">True when another page follows.</param>
public sealed record SoraVideoPage(IReadOnlyList<SoraVideo> Data, string? FirstId, string? LastId, bool HasMore);

/// <summary>The answer to a delete.</summary>
/// <param name="Id">The deleted video's id.</param>
/// <param name="Deleted">True when the provider deleted it.</param>
public sealed record SoraDeleted(string Id, bool Deleted);
