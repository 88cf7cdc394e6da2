using System.ClientModel.Primitives;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SoraFunctions.Provider.Sora.Internal;

namespace SoraFunctions.Provider.Sora;

/// <summary>
/// The content download: streamed, and its redirects followed by hand (at most <see cref="MaxRedirects"/>, never from
/// https to http nor to plain http beyond loopback, only to <c>Sora:ContentHosts</c> when set), with the credential sent
/// only to the API's own origin.
/// </summary>
public sealed partial class SoraClient
{
    /// <summary>The most redirects a download follows.</summary>
    public const int MaxRedirects = 3;

    static readonly PipelineMessageClassifier SuccessClassifier = PipelineMessageClassifier.Create(stackalloc ushort[] { 200 });

    /// <inheritdoc />
    public async Task<SoraResult<SoraContent>> DownloadContentAsync(string videoId, SoraVariant variant = SoraVariant.Video, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(videoId);
        string variantName = ToWire(variant);
        RequestOptions options = CreateRequestOptions(bufferResponse: false, cancellationToken);
        options.SetHeader("Accept", "*/*");

        PipelineResponse? response = null;
        try
        {
            response = (await videos.DownloadVideoAsync(videoId, variantName, options)).GetRawResponse();
            Uri current = ContentUri(videoId, variantName);
            for (int hops = 0; IsRedirect(response.Status); hops++)
            {
                SoraError? redirectError = NextHop(response, current, hops, out Uri? next);
                response.Dispose();
                response = null;
                if (redirectError is not null)
                {
                    return Fail<SoraContent>("download", videoId, redirectError, null);
                }

                current = next!;
                bool sameOrigin = SameOrigin(current, baseUri);
                logger.LogDebug("Following a redirect of the Sora content of {VideoId} to {Host} (credentials sent: {SameOrigin})", videoId, current.Host, sameOrigin);
                response = await SendGetAsync(sameOrigin ? videos.Pipeline : anonymousPipeline, current, options);
            }

            if (response.Status is >= 200 and < 300)
            {
                Stream stream = response.ContentStream ?? Stream.Null;
                long? length = response.Headers.TryGetValue("Content-Length", out string? lengthText)
                    && long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out long parsedLength)
                    ? parsedLength
                    : null;
                response.Headers.TryGetValue("Content-Type", out string? contentType);
                var result = SoraResult<SoraContent>.Success(new SoraContent(stream, length, contentType, response));
                response = null; // Owned by the SoraContent now.
                return result;
            }

            byte[] body = await ReadBoundedAsync(response.ContentStream, cancellationToken);
            return Fail<SoraContent>("download", videoId, ErrorFrom(response, body), null);
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken, out SoraError? error))
        {
            return Fail<SoraContent>("download", videoId, error, ex);
        }
        finally
        {
            response?.Dispose();
        }
    }

    async Task<PipelineResponse> SendGetAsync(ClientPipeline pipeline, Uri uri, RequestOptions options)
    {
        using PipelineMessage message = pipeline.CreateMessage(uri, "GET", SuccessClassifier);
        message.Apply(options);
        message.BufferResponse = false;
        message.NetworkTimeout = timeout;
        await pipeline.SendAsync(message);
        return message.ExtractResponse() ?? throw new InvalidOperationException("The pipeline set no response.");
    }

    SoraError? NextHop(PipelineResponse response, Uri current, int hops, out Uri? next)
    {
        next = null;
        SoraError Refused(string code, string message) =>
            new() { Kind = SoraErrorKind.Terminal, StatusCode = response.Status, Code = code, Message = message };

        if (hops >= MaxRedirects)
        {
            return Refused("too_many_redirects", string.Create(CultureInfo.InvariantCulture, $"The Sora content redirected more than {MaxRedirects} times."));
        }

        if (!response.Headers.TryGetValue("Location", out string? location)
            || string.IsNullOrWhiteSpace(location)
            || !Uri.TryCreate(current, location.Trim(), out Uri? target)
            || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            return Refused("invalid_redirect", "The Sora content redirect has no valid http(s) Location.");
        }

        if (current.Scheme == Uri.UriSchemeHttps && target.Scheme == Uri.UriSchemeHttp)
        {
            return Refused("invalid_redirect", "The Sora content redirect leads from https to http; it is not followed.");
        }

        if (target.Scheme == Uri.UriSchemeHttp && !target.IsLoopback)
        {
            return Refused("invalid_redirect", "The Sora content redirect leads to plain http beyond loopback; it is not followed.");
        }

        if (contentHosts.Length > 0 && !SameOrigin(target, baseUri)
            && !contentHosts.Any(h => string.Equals(h, target.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return Refused("redirect_host_not_allowed", $"The Sora content redirect leads to {target.Host}, which is not in Sora:ContentHosts; it is not followed.");
        }

        next = target;
        return null;
    }

    Uri ContentUri(string videoId, string variant) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{baseUri.AbsoluteUri.TrimEnd('/')}/videos/{Uri.EscapeDataString(videoId)}/content?variant={variant}"));

    static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    static bool IsRedirect(int status) => status is 301 or 302 or 303 or 307 or 308;

    static async Task<byte[]> ReadBoundedAsync(Stream? stream, CancellationToken cancellationToken)
    {
        if (stream is null)
        {
            return [];
        }

        byte[] buffer = new byte[SoraErrorMapper.MaxErrorBodyBytes];
        int total = 0;
        try
        {
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // The error body is only used for its message; a cut one still maps by status.
        }

        return buffer.AsSpan(0, total).ToArray();
    }


    static string ToWire(SoraVariant variant) => variant switch
    {
        SoraVariant.Thumbnail => "thumbnail",
        SoraVariant.Spritesheet => "spritesheet",
        _ => "video",
    };
}
