namespace SoraFunctions.Provider.Sora;

/// <summary>A video to create. Unset <paramref name="Model"/>, <paramref name="Seconds"/> and <paramref name="Size"/> take the configured defaults.</summary>
/// <param name="Prompt">The text prompt (required, not blank).</param>
/// <param name="Model">The model (on Azure: the deployment name).</param>
/// <param name="Seconds">The clip length in seconds, sent as a string (<c>"4"</c>, <c>"8"</c>, <c>"12"</c>, ...).</param>
/// <param name="Size">The frame size, <c>WIDTHxHEIGHT</c>.</param>
public sealed record SoraCreateRequest(string Prompt, string? Model = null, string? Seconds = null, string? Size = null)
{
    /// <summary>An optional first-frame image; it must match <see cref="Size"/> exactly.</summary>
    public SoraInputReference? InputReference { get; init; }
}

/// <summary>
/// An image sent as the <c>input_reference</c> multipart file part. The stream is read once while the request is sent
/// and is not disposed by the client (the caller owns it).
/// </summary>
/// <param name="FileName">The file name sent in the part's Content-Disposition.</param>
/// <param name="ContentType"><c>image/jpeg</c>, <c>image/png</c> or <c>image/webp</c>.</param>
/// <param name="Content">The image bytes.</param>
public sealed record SoraInputReference(string FileName, string ContentType, Stream Content);
