namespace SoraFunctions.Catalog.Tests.Support;

/// <summary>The files under Samples/, copied next to the test binaries.</summary>
static class Samples
{
    /// <summary>H.264, 176x320, exactly 2 s (mvhd 2000/1000), moov before mdat (faststart).</summary>
    public const string Faststart = "h264-176x320-2s-faststart.mp4";

    /// <summary>H.264, 320x176, exactly 3 s, moov after mdat.</summary>
    public const string MoovAtEnd = "h264-320x176-3s-moov-at-end.mp4";

    /// <summary>A BlobCreated event in the Event Grid schema (an array of one event).</summary>
    public const string EventGridEvent = "blob-created.eventgrid.json";

    /// <summary>The same BlobCreated event in the CloudEvents 1.0 schema (one object).</summary>
    public const string CloudEvent = "blob-created.cloudevents.json";

    public static string PathOf(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Samples", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static string Text(string name) => File.ReadAllText(PathOf(name));
}
