namespace SoraEmulator.Media;

/// <summary>The media shipped as embedded resources (made once with ffmpeg, see README.md).</summary>
sealed class MediaLibrary
{
    static readonly HashSet<string> LandscapeSizes = new(StringComparer.Ordinal)
    {
        "1280x720", "1792x1024", "1920x1080",
    };

    public MediaLibrary()
    {
        Portrait = new MediaClip(Load("portrait.mp4"));
        Landscape = new MediaClip(Load("landscape.mp4"));
        Thumbnail = Load("thumbnail.webp");
        Spritesheet = Load("spritesheet.jpg");
    }

    /// <summary>H.264, 720x1280, 4 s.</summary>
    public MediaClip Portrait { get; }

    /// <summary>H.264, 1280x720, 4 s.</summary>
    public MediaClip Landscape { get; }

    /// <summary>image/webp, 360x640.</summary>
    public ReadOnlyMemory<byte> Thumbnail { get; }

    /// <summary>image/jpeg, 4 frames of 180x320 side by side.</summary>
    public ReadOnlyMemory<byte> Spritesheet { get; }

    /// <summary>The landscape clip for landscape sizes, the portrait one otherwise.</summary>
    public MediaClip ClipFor(string size) => LandscapeSizes.Contains(size) ? Landscape : Portrait;

    static byte[] Load(string fileName)
    {
        string name = "SoraEmulator.Media." + fileName;
        using Stream stream = typeof(MediaLibrary).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing.");
        using var copy = new MemoryStream(checked((int)stream.Length));
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
