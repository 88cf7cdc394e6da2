using System.Buffers;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenAI.Videos;
using SoraFunctions.Provider.Sora.Internal;

namespace SoraFunctions.Provider.Sora;

/// <summary>
/// The Sora 2 Videos API client over the OpenAI package's <see cref="VideoClient"/> protocol methods: no SDK retries
/// (the orchestration owns retries), errors returned as <see cref="SoraResult{T}"/>, downloads streamed, redirects
/// followed by hand so that no credential reaches another host.
/// </summary>
public sealed partial class SoraClient : ISoraClient
{
    /// <summary>The name of the <see cref="IHttpClientFactory"/> client (its primary handler must not follow redirects).</summary>
    public const string HttpClientName = "Sora";

    readonly SoraOptions options;
    readonly VideoClient videos;
    readonly ClientPipeline anonymousPipeline;
    readonly Uri baseUri;
    readonly string[] contentHosts;
    readonly TimeSpan timeout;
    readonly TimeProvider timeProvider;
    readonly ILogger logger;
    readonly string? secret;

    /// <summary>Creates a client (usable without DI).</summary>
    /// <param name="httpClient">The HTTP client; its handler must not follow redirects (see <see cref="CreatePrimaryHandler"/>). Not disposed by this client.</param>
    /// <param name="options">Validated settings (validated again here).</param>
    /// <param name="credential">The Entra ID credential; required when <see cref="SoraOptions.AuthMode"/> is <see cref="SoraAuthMode.EntraId"/>.</param>
    /// <param name="logger">Optional logger; the key is never logged.</param>
    public SoraClient(HttpClient httpClient, SoraOptions options, TokenCredential? credential = null, ILogger<SoraClient>? logger = null)
        : this(httpClient, options, credential, logger, null)
    {
    }

    /// <summary>Creates a client with a time source (for <c>Retry-After</c> dates and token expiry).</summary>
    public SoraClient(HttpClient httpClient, SoraOptions options, TokenCredential? credential, ILogger<SoraClient>? logger, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new SoraOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(SoraOptions.SectionName, typeof(SoraOptions), validation.Failures);
        }

        if (options.AuthMode == SoraAuthMode.EntraId && credential is null)
        {
            throw new ArgumentNullException(nameof(credential), "A TokenCredential is required when Sora:AuthMode is EntraId.");
        }

        this.options = options;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        baseUri = SoraOptionsValidator.TryGetBaseUri(options.BaseUrl)!;
        contentHosts = [.. options.ContentHosts.Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => h.Trim())];
        timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
        secret = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey.Trim();

        var transport = new HttpClientPipelineTransport(httpClient);
        var videoOptions = new VideoClientOptions
        {
            Endpoint = baseUri,
            Transport = transport,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = timeout,
        };
        videos = new VideoClient(CreateAuthenticationPolicy(options, secret, credential, this.timeProvider), videoOptions);

        anonymousPipeline = ClientPipeline.Create(new ClientPipelineOptions
        {
            Transport = transport,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = timeout,
        });
    }

    /// <summary>The primary handler the named HTTP client uses: no automatic redirects, pooled connections recycled for DNS changes.</summary>
    public static SocketsHttpHandler CreatePrimaryHandler() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
    };

    /// <inheritdoc />
    public async Task<SoraResult<SoraVideo>> CreateVideoAsync(SoraCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Prompt, nameof(request));

        using var content = new MultipartBinaryContent();
        content.AddText("prompt", request.Prompt);
        content.AddText("model", Pick(request.Model, options.DefaultModel));
        content.AddText("seconds", Pick(request.Seconds, options.DefaultSeconds));
        content.AddText("size", Pick(request.Size, options.DefaultSize));
        if (request.InputReference is { } image)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(image.FileName, nameof(request));
            ArgumentException.ThrowIfNullOrWhiteSpace(image.ContentType, nameof(request));
            ArgumentNullException.ThrowIfNull(image.Content, nameof(request));
            content.AddFile("input_reference", image.FileName, image.ContentType, image.Content);
        }

        return await InvokeAsync(
            "create",
            null,
            options => videos.CreateVideoAsync(content, content.ContentType, options),
            SoraWireFormat.ParseVideo,
            withPollAfter: true,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<SoraResult<SoraVideo>> GetVideoAsync(string videoId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(videoId);
        return InvokeAsync("retrieve", videoId, options => videos.GetVideoAsync(videoId, options), SoraWireFormat.ParseVideo, withPollAfter: true, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SoraResult<SoraVideoPage>> ListVideosAsync(SoraListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, 100, nameof(query));

        return await InvokeAsync(
            "list",
            null,
            async options =>
            {
                // The SDK's collection yields exactly one raw page per call; the cursor is followed here.
                await foreach (ClientResult page in videos.GetVideosAsync(query.Limit, ToWire(query.Order), query.After, options).GetRawPagesAsync())
                {
                    return page;
                }

                throw new InvalidOperationException("The SDK returned no page.");
            },
            SoraWireFormat.ParsePage,
            withPollAfter: false,
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SoraVideo> ListAllVideosAsync(
        SoraListOrder order = SoraListOrder.Desc,
        int pageSize = 100,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 100);

        string? after = null;
        while (true)
        {
            SoraResult<SoraVideoPage> result = await ListVideosAsync(new SoraListQuery(pageSize, order, after), cancellationToken);
            SoraVideoPage page = result.GetValueOrThrow();
            foreach (SoraVideo video in page.Data)
            {
                yield return video;
            }

            string? next = page.LastId ?? (page.Data.Count > 0 ? page.Data[^1].Id : null);
            if (!page.HasMore || next is null || next == after)
            {
                yield break;
            }

            after = next;
        }
    }

    /// <inheritdoc />
    public Task<SoraResult<SoraDeleted>> DeleteVideoAsync(string videoId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(videoId);
        return InvokeAsync("delete", videoId, options => videos.DeleteVideoAsync(videoId, options), SoraWireFormat.ParseDeleted, withPollAfter: false, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SoraResult<SoraVideo>> RemixVideoAsync(string videoId, string prompt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(videoId);
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("prompt", prompt);
            writer.WriteEndObject();
        }

        using var content = BinaryContent.Create(new BinaryData(buffer.WrittenMemory));
        return await InvokeAsync(
            "remix",
            videoId,
            options => videos.CreateVideoRemixAsync(videoId, content, "application/json", options),
            SoraWireFormat.ParseVideo,
            withPollAfter: true,
            cancellationToken);
    }

    static AuthenticationPolicy CreateAuthenticationPolicy(SoraOptions options, string? secret, TokenCredential? credential, TimeProvider timeProvider) =>
        options.AuthMode switch
        {
            SoraAuthMode.EntraId => new EntraTokenPolicy(credential!, options.EntraScope, timeProvider),
            _ when secret is null => new NoAuthenticationPolicy(),
            SoraAuthMode.ApiKeyHeader => ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(secret), "api-key"),
            _ => ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new ApiKeyCredential(secret)),
        };

    async Task<SoraResult<T>> InvokeAsync<T>(
        string operation,
        string? videoId,
        Func<RequestOptions, Task<ClientResult>> call,
        Func<BinaryData, T> parse,
        bool withPollAfter,
        CancellationToken cancellationToken)
        where T : notnull
    {
        RequestOptions options = CreateRequestOptions(bufferResponse: true, cancellationToken);
        PipelineResponse response;
        try
        {
            response = (await call(options)).GetRawResponse();
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken, out SoraError? error))
        {
            return Fail<T>(operation, videoId, error, ex);
        }

        using (response)
        {
            if (response.Status is >= 200 and < 300)
            {
                try
                {
                    T value = parse(response.Content);
                    return SoraResult<T>.Success(value, withPollAfter ? SoraErrorMapper.GetPollAfter(response.Headers) : null);
                }
                catch (FormatException ex)
                {
                    return Fail<T>(operation, videoId, SoraErrorMapper.InvalidResponse(response.Status, ex.Message), ex);
                }
            }

            return Fail<T>(operation, videoId, ErrorFrom(response, response.Content.ToMemory().Span), null);
        }
    }

    SoraError ErrorFrom(PipelineResponse response, ReadOnlySpan<byte> body) =>
        IsRedirect(response.Status)
            ? new SoraError
            {
                Kind = SoraErrorKind.Terminal,
                StatusCode = response.Status,
                Code = "unexpected_redirect",
                Message = string.Create(CultureInfo.InvariantCulture, $"The Sora provider answered an unexpected redirect ({response.Status})."),
            }
            : SoraErrorMapper.FromResponse(response.Status, response.ReasonPhrase, response.Headers, body, timeProvider.GetUtcNow(), secret);

    bool IsTransportFailure(Exception exception, CancellationToken cancellationToken, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SoraError? error)
    {
        // The caller's own cancellation propagates unchanged.
        error = cancellationToken.IsCancellationRequested ? null : SoraErrorMapper.FromException(exception, timeout);
        return error is not null;
    }

    SoraResult<T> Fail<T>(string operation, string? videoId, SoraError error, Exception? exception)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.LogWarning(
                "Sora {Operation} of {VideoId} failed: {Kind} {StatusCode} {ErrorCode} (may have reached the provider: {MayHaveReachedProvider}, retry after: {RetryAfter}): {ErrorMessage} {ExceptionType}",
                operation,
                videoId ?? "-",
                error.Kind,
                error.StatusCode,
                error.Code,
                error.MayHaveReachedProvider,
                error.RetryAfter,
                error.Message,
                exception?.GetType().Name);
        }

        return SoraResult<T>.Failure(error);
    }

    static RequestOptions CreateRequestOptions(bool bufferResponse, CancellationToken cancellationToken) => new()
    {
        CancellationToken = cancellationToken,
        ErrorOptions = ClientErrorBehaviors.NoThrow,
        BufferResponse = bufferResponse,
    };

    static string Pick(string? value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();

    static string ToWire(SoraListOrder order) => order == SoraListOrder.Asc ? "asc" : "desc";
}
