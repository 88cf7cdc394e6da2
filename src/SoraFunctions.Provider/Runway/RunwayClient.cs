using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Runway;

/// <summary>
/// A typed client of Runway's task API: create (<c>text_to_video</c>, <c>image_to_video</c>), read and delete tasks,
/// and download an output. No retries (the orchestration owns them); failures come back as classified
/// <see cref="ProviderError"/>s; downloads stream.
/// </summary>
public sealed class RunwayClient
{
    /// <summary>The API client: its primary handler must not follow redirects (see <see cref="CreatePrimaryHandler"/>).</summary>
    public const string HttpClientName = "Runway";

    /// <summary>The client for the pre-signed output URLs: it carries no Runway header at all.</summary>
    public const string OutputHttpClientName = "Runway.Output";

    /// <summary>The most redirects an output download follows.</summary>
    public const int MaxRedirects = 3;

    const int MaxErrorBodyBytes = 64 * 1024;

    readonly HttpClient api;
    readonly HttpClient output;
    readonly Uri baseUri;
    readonly string? secret;
    readonly string apiVersion;
    readonly TimeSpan timeout;
    readonly ILogger logger;
    readonly TimeProvider time;

    /// <param name="api">For the API host; its handler must not follow redirects. Not disposed here.</param>
    /// <param name="output">For the outputs; its handler must not follow redirects either (they are checked here). Not disposed here.</param>
    public RunwayClient(HttpClient api, HttpClient output, RunwayOptions options, ILogger<RunwayClient>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new RunwayOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(RunwayOptions.SectionName, typeof(RunwayOptions), validation.Failures);
        }

        this.api = api;
        this.output = output;
        baseUri = RunwayOptionsValidator.TryGetBaseUri(options.BaseUrl)!;
        secret = string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey.Trim();
        apiVersion = options.ApiVersion.Trim();
        timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>No automatic redirects (a redirect must not carry the secret elsewhere), no cookies, connections recycled for DNS.</summary>
    public static SocketsHttpHandler CreatePrimaryHandler() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
    };

    public Task<ProviderResult<RunwayTaskCreated>> CreateTextToVideoAsync(RunwayTextToVideoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CreateAsync("v1/text_to_video", request, cancellationToken);
    }

    public Task<ProviderResult<RunwayTaskCreated>> CreateImageToVideoAsync(RunwayImageToVideoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CreateAsync("v1/image_to_video", request, cancellationToken);
    }

    public async Task<ProviderResult<RunwayTask>> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        using HttpRequestMessage request = ApiRequest(HttpMethod.Get, TaskPath(taskId));
        return await SendAsync<RunwayTask>("get", request, task => !string.IsNullOrEmpty(task.Id) && !string.IsNullOrEmpty(task.Status), cancellationToken);
    }

    /// <summary>Cancels a running task or deletes a finished one; 404 (already gone) counts as deleted.</summary>
    public async Task<ProviderResult<bool>> DeleteTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        using HttpRequestMessage request = ApiRequest(HttpMethod.Delete, TaskPath(taskId));
        using CancellationTokenSource cts = Timeout(cancellationToken);
        try
        {
            using HttpResponseMessage response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
            {
                return ProviderResult<bool>.Success(true);
            }

            return Fail<bool>("delete", await ErrorFromAsync(response, cts.Token));
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken, out ProviderError? error))
        {
            return Fail<bool>("delete", error, ex);
        }
    }

    /// <summary>
    /// Streams an output URL. The request carries neither the secret nor <c>X-Runway-Version</c>: the URL is
    /// pre-signed, often on another host. Redirects are followed (at most <see cref="MaxRedirects"/>) only to https
    /// or loopback. The caller disposes the content, which releases the connection.
    /// </summary>
    public async Task<ProviderResult<ProviderContent>> DownloadAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        Uri current = url;
        for (int hops = 0; ; hops++)
        {
            if (!current.IsAbsoluteUri || !(current.Scheme == Uri.UriSchemeHttps || (current.Scheme == Uri.UriSchemeHttp && current.IsLoopback)))
            {
                return Fail<ProviderContent>("download", new ProviderError
                {
                    Transient = false,
                    Code = "invalid_output_url",
                    Message = "The Runway output URL is not https; it is not fetched.",
                });
            }

            HttpResponseMessage? response = null;
            CancellationTokenSource cts = Timeout(cancellationToken);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
                response = await output.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                int status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308)
                {
                    Uri? next = response.Headers.Location is { } location ? new Uri(current, location) : null;
                    if (next is null || hops >= MaxRedirects)
                    {
                        return Fail<ProviderContent>("download", new ProviderError
                        {
                            Transient = false,
                            StatusCode = status,
                            Code = next is null ? "invalid_redirect" : "too_many_redirects",
                            Message = next is null ? "The Runway output redirect has no Location." : $"The Runway output redirected more than {MaxRedirects} times.",
                        });
                    }

                    logger.LogDebug("Following a redirect of a Runway output to {Host}", next.Host);
                    current = next;
                    continue;
                }

                if (response.IsSuccessStatusCode)
                {
                    Stream body = await response.Content.ReadAsStreamAsync(cts.Token);
                    var content = new ProviderContent(new ReadTimeoutStream(body, response, timeout), response.Content.Headers.ContentLength);
                    response = null; // Owned by the content now.
                    return ProviderResult<ProviderContent>.Success(content);
                }

                ProviderError error = await ErrorFromAsync(response, cts.Token);
                // A pre-signed URL refused (expired, or signed for a moment that passed): the next attempt reads the
                // task again and gets a fresh one, so it is worth retrying.
                return Fail<ProviderContent>("download", status is 401 or 403 ? error with { Transient = true, Code = "output_url_expired" } : error);
            }
            catch (Exception ex) when (IsTransportFailure(ex, cancellationToken, out ProviderError? error))
            {
                return Fail<ProviderContent>("download", error, ex);
            }
            finally
            {
                response?.Dispose();
                cts.Dispose();
            }
        }
    }

    async Task<ProviderResult<RunwayTaskCreated>> CreateAsync<TBody>(string path, TBody body, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = ApiRequest(HttpMethod.Post, path);
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, RunwayWire.Json));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await SendAsync<RunwayTaskCreated>("create", request, created => !string.IsNullOrEmpty(created.Id), cancellationToken);
    }

    async Task<ProviderResult<T>> SendAsync<T>(string operation, HttpRequestMessage request, Func<T, bool> isComplete, CancellationToken cancellationToken)
    {
        using CancellationTokenSource cts = Timeout(cancellationToken);
        try
        {
            using HttpResponseMessage response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Fail<T>(operation, await ErrorFromAsync(response, cts.Token));
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(cts.Token);
            T? value;
            try
            {
                value = JsonSerializer.Deserialize<T>(body, RunwayWire.Json);
            }
            catch (JsonException ex)
            {
                return Fail<T>(operation, RunwayErrors.InvalidResponse((int)response.StatusCode, ex.Message), ex);
            }

            return value is not null && isComplete(value)
                ? ProviderResult<T>.Success(value)
                : Fail<T>(operation, RunwayErrors.InvalidResponse((int)response.StatusCode, "a field it must have is missing"));
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken, out ProviderError? error))
        {
            return Fail<T>(operation, error, ex);
        }
    }

    HttpRequestMessage ApiRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/" + path));
        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        request.Headers.TryAddWithoutValidation("X-Runway-Version", apiVersion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    static string TaskPath(string taskId) => "v1/tasks/" + Uri.EscapeDataString(taskId);

    CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return cts;
    }

    async Task<ProviderError> ErrorFromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[] body = await ReadBoundedAsync(response.Content, cancellationToken);
        return RunwayErrors.FromResponse((int)response.StatusCode, response.Headers, body, time.GetUtcNow(), secret);
    }

    /// <summary>At most <see cref="MaxErrorBodyBytes"/> of an error body: enough for a message, never a whole file.</summary>
    static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[MaxErrorBodyBytes];
        int total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }

    bool IsTransportFailure(Exception exception, CancellationToken callerToken, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProviderError? error)
    {
        // The caller's own cancellation propagates; only our timeout becomes an error.
        error = callerToken.IsCancellationRequested ? null : RunwayErrors.FromException(exception, timeout);
        return error is not null;
    }

    ProviderResult<T> Fail<T>(string operation, ProviderError error, Exception? exception = null)
    {
        ProviderError safe = error with { Message = RunwayErrors.Redact(error.Message, secret) };
        // The message is already redacted; the exception itself is left out in case it echoes request details.
        logger.LogWarning(
            "Runway {Operation} failed: status {Status}, code {Code}, transient {Transient}, exception {Exception}: {Message}",
            operation,
            safe.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "none",
            safe.Code ?? "none",
            safe.Transient,
            exception?.GetType().Name ?? "none",
            safe.Message);
        return ProviderResult<T>.Failure(safe);
    }
}
