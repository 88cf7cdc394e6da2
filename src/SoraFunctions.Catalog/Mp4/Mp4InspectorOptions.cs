namespace SoraFunctions.Catalog;

/// <summary>Bounds that keep an inspection cheap whatever the file.</summary>
public sealed record Mp4InspectorOptions
{
    /// <summary>The default bounds: 8 MiB of <c>moov</c>, 1,024 top-level boxes, 10,000 boxes inside <c>moov</c>.</summary>
    public static Mp4InspectorOptions Default { get; } = new();

    /// <summary>The largest <c>moov</c> box that is read (it is read whole, in one ranged read).</summary>
    public int MaxMoovBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>The most top-level boxes walked before the file is declared malformed.</summary>
    public int MaxTopLevelBoxes { get; init; } = 1024;

    /// <summary>The most boxes visited inside <c>moov</c>.</summary>
    public int MaxMoovBoxes { get; init; } = 10_000;
}
