using System.Collections.Concurrent;

namespace SoraFunctions.Provider.Tests.Support;

/// <summary>A recorded request: what the client put on the wire.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, HttpRequestHeaders Headers, string? ContentType, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(",", values) : null;
}

/// <summary>An in-memory HTTP handler answering with a function; records every request.</summary>
public sealed class StubHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static StubHandler Answer(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new((request, _) => Task.FromResult(answer(request)));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        Requests.Enqueue(new RecordedRequest(request.Method, request.RequestUri!, request.Headers, request.Content?.Headers.ContentType?.ToString(), body));
        HttpResponseMessage response = await answer(request, cancellationToken);
        response.RequestMessage ??= request;
        return response;
    }
}

/// <summary>Responses and clients for stub tests.</summary>
public static class Stub
{
    public const string BaseUrl = "https://sora.example.test/v1";

    public static string VideoJson(string id = "video_1", string status = "queued", string extra = "") =>
        $$"""{"id":"{{id}}","object":"video","model":"sora-2","status":"{{status}}","progress":0,"created_at":1760627796,"seconds":"4","size":"720x1280","prompt":"p"{{extra}}}""";

    public static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach ((string name, string value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    public static HttpResponseMessage Text(HttpStatusCode status, string text) =>
        new(status) { Content = new StringContent(text, Encoding.UTF8, "text/html") };

    public static SoraOptions Options(string? apiKey = "sk-test-key-123456", SoraAuthMode mode = SoraAuthMode.Bearer, string baseUrl = BaseUrl) => new()
    {
        BaseUrl = baseUrl,
        ApiKey = apiKey,
        AuthMode = mode,
        RequestTimeoutSeconds = 30,
    };

    public static SoraClient Client(StubHandler handler, SoraOptions? options = null, TimeProvider? time = null, Azure.Core.TokenCredential? credential = null) =>
        new(new HttpClient(handler), options ?? Options(), credential, null, time);
}
