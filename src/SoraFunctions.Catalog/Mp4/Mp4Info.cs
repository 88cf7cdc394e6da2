namespace SoraFunctions.Catalog;

/// <summary>What <see cref="Mp4Inspector"/> learned about an MP4 file from its box headers.</summary>
/// <remarks>
/// Duration and dimensions are filled in whenever they could be read, even when the file is not valid
/// (for example a complete <c>moov</c> followed by a truncated <c>mdat</c>).
/// </remarks>
public sealed record Mp4Info
{
    /// <summary>True when the file is a complete MP4 with a movie header and a video track.</summary>
    public bool IsValid { get; init; }

    /// <summary>Why the file is not valid; null when <see cref="IsValid"/> is true.</summary>
    public string? Problem { get; init; }

    /// <summary>The major brand of the <c>ftyp</c> box, e.g. <c>isom</c>.</summary>
    public string? MajorBrand { get; init; }

    /// <summary>The movie duration from <c>mvhd</c>.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Display width of the first track with a nonzero size (the video track), from <c>tkhd</c>.</summary>
    public int? Width { get; init; }

    /// <summary>Display height of the first track with a nonzero size (the video track), from <c>tkhd</c>.</summary>
    public int? Height { get; init; }
}
