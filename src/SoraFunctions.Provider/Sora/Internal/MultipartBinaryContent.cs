using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;

namespace SoraFunctions.Provider.Sora.Internal;

/// <summary>
/// A <c>multipart/form-data</c> body written straight to the request stream (the file part is not buffered).
/// The caller's input stream is never disposed.
/// </summary>
sealed class MultipartBinaryContent : BinaryContent
{
    readonly MultipartFormDataContent content = new();

    /// <summary>The full media type including the boundary, for the request's Content-Type header.</summary>
    public string ContentType => content.Headers.ContentType!.ToString();

    public void AddText(string name, string value)
    {
        var part = new StringContent(value);
        // A plain form field, as browsers and the official SDKs send it: no per-part Content-Type.
        part.Headers.ContentType = null;
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quote(name) };
        content.Add(part);
    }

    public void AddFile(string name, string fileName, string contentType, Stream stream)
    {
        var part = new LeaveOpenStreamContent(stream);
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quote(name), FileName = Quote(fileName) };
        part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Add(part);
    }

    public override bool TryComputeLength(out long length)
    {
        long? computed = content.Headers.ContentLength;
        length = computed ?? 0;
        return computed is not null;
    }

    public override void WriteTo(Stream stream, CancellationToken cancellationToken = default) =>
        content.CopyTo(stream, null, cancellationToken);

    public override Task WriteToAsync(Stream stream, CancellationToken cancellationToken = default) =>
        content.CopyToAsync(stream, cancellationToken);

    public override void Dispose() => content.Dispose();

    /// <summary>Quoted names as the official SDKs send them (<c>name="prompt"</c>); quotes and line breaks are escaped away.</summary>
    static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal) + "\"";

    /// <summary>Streams the caller's stream without taking ownership of it.</summary>
    sealed class LeaveOpenStreamContent(Stream stream) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream target, TransportContext? context) =>
            stream.CopyToAsync(target);

        protected override Task SerializeToStreamAsync(Stream target, TransportContext? context, CancellationToken cancellationToken) =>
            stream.CopyToAsync(target, cancellationToken);

        protected override void SerializeToStream(Stream target, TransportContext? context, CancellationToken cancellationToken) =>
            stream.CopyTo(target);

        protected override bool TryComputeLength(out long length)
        {
            if (stream.CanSeek)
            {
                length = stream.Length - stream.Position;
                return true;
            }

            length = 0;
            return false;
        }
    }
}
