using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using SoraFunctions.Http;
using SoraFunctions.LocalHost.Management;
using StandardWebhooks;
using Xunit.Abstractions;

namespace SoraFunctions.Fuzz.Tests;

/// <summary>One generated request: raw method, path, query, headers and body, as a client could send them.</summary>
public sealed record FuzzRequest(string Method, string Path, string Query, string Host, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[]? Body, bool SendLength)
{
    public override string ToString()
    {
        string body = Body is null ? "(none)" : Body.Length > 300 ? $"{Body.Length} bytes: {Printable(Body.AsSpan(0, 300))}…" : Printable(Body);
        string headers = string.Join("; ", Headers.Select(h => $"{h.Key}: {string.Join(" | ", h.Value.Select(v => v.Length > 80 ? v[..80] + "…" : v))}"));
        string path = Path.Length > 200 ? Path[..200] + "…" : Path;
        return $"{Method} {path}{(Query.Length > 200 ? Query[..200] + "…" : Query)} Host={Host} [{headers}] body={body}";
    }

    static string Printable(ReadOnlySpan<byte> bytes) => string.Concat(bytes.ToArray().Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}"));
}

/// <summary>
/// Throws generated requests at every route of <see cref="ApiRoutes.All"/>, the Durable management routes, unknown
/// routes and wrong methods, through the local host's real pipeline. Every answer must be 2xx/3xx/4xx, every 4xx an
/// <c>application/problem+json</c> with a <c>code</c> and a <c>traceId</c>, and no body may carry an exception type
/// or a stack frame. The seed is fixed, so a failure names a request that fails again the same way.
/// </summary>
public sealed class HttpSurfaceFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    const ulong Seed = 20261130;
    const int Cases = 3000;

    static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "PROPFIND", "TRACE"];

    static readonly (string Method, string Template)[] ManagementTemplates =
    [
        ("GET", "/{id}"), ("POST", "/{id}/terminate"), ("POST", "/{id}/raiseEvent/{name}"), ("POST", "/{id}/suspend"), ("POST", "/{id}/resume"), ("DELETE", "/{id}"),
    ];

    static readonly Gen<string> Segment = Gen.OneOf(
        Gen.OneOf<string>([.. FuzzHost.KnownJobs, "nope", "sora", "runway", "a%2Fb", "..%2F..%2Fetc", "%2e%2e", "%ZZ", "a%20b", "%F0%9F%A6%8A", "%ED%A0%80", "x.y", "-", "@entity", "CON"]),
        Gen.String[Gen.Char.AlphaNumeric, 1, 40],
        Gen.Int[100, 5000].Select(n => new string('a', n)),
        Gen.String[Gen.Char[' ', '~'], 1, 30].Select(Uri.EscapeDataString),
        Gen.String[Gen.Char, 1, 20].Select(s => Uri.EscapeDataString(ReplaceSurrogates(s))));

    static readonly Gen<string> Query = Gen.OneOf(
        Gen.Const(""),
        Gen.Select(
            Gen.OneOf<string>("", "-1", "0", "1", "20", "100", "101", "99999999999999999999", "abc", "1e3", "%00", " 5", "0x10", "２"),
            Gen.OneOf<string?>(null, "", "garbage", "%FF%FE", "eyJ0b2tlbiI6MX0=", "1!2@3#", new string('Z', 5000), "NextPartitionKey=x&NextRowKey=y"),
            Gen.Bool)
            .Select((limit, token, twice) =>
                "?limit=" + limit + (token is null ? "" : "&continuationToken=" + token) + (twice ? "&limit=2&limit=3" : "")));

    static readonly Gen<string> ContentType = Gen.OneOf(
        Gen.OneOf<string>(
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/json; charset=\"",
            "application/json;;;",
            "application/json; charset=utf-16",
            "application/json; a=b; a=c; q=0.5",
            "application/problem+json",
            "application/vnd.custom+json; v=1",
            "text/plain",
            "text/html",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"unterminated",
            "multipart/form-data; boundary=xyz",
            "application/x-www-form-urlencoded",
            "",
            ";",
            "*/*",
            "application/",
            "application/json\u0000"),
        Gen.String[Gen.Char[' ', '~'], 0, 60]);

    static readonly Gen<string> JsonScalar = Gen.OneOf(
        Gen.OneOf<string>(
            "\"a fox\"", "\"\"", "\"   \"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"a\\u0000b\"", "\"\\uZZZZ\"", "\"sora-2\"", "\"sora-2-pro\"",
            "\"720x1280\"", "\"1920x1080\"", "\"4\"", "\"8\"", "\"-4\"", "4", "4.5", "-0", "1e999999", "123456789012345678901234567890",
            "-9223372036854775809", "true", "false", "null", "[]", "{}", "[\"a\"]", "{\"a\":1}", "NaN", "Infinity", "'single'", "\"\\\""),
        Gen.String[Gen.Char.AlphaNumeric, 0, 30].Select(s => JsonSerializer.Serialize(s)),
        Gen.Int[9_000, 12_000].Select(n => "\"" + new string('p', n) + "\""),
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => JsonSerializer.Serialize(double.IsFinite(d) ? d : 0)));

    static readonly Gen<string> Field = Gen.OneOf(Gen.OneOf<string>("prompt", "model", "seconds", "size", "id", "type", "data", "PROMPT", "prompt\\u0000", "__proto__"), Gen.String[Gen.Char.AlphaNumeric, 1, 10]);

    static readonly Gen<string> JsonObject = Gen.Select(Field, JsonScalar).Array[0, 7]
        .Select(fields => "{" + string.Join(",", fields.Select(f => $"\"{f.Item1}\":{f.Item2}")) + "}");

    static readonly Gen<byte[]> Body = Gen.OneOf(
        JsonObject.Select(Encoding.UTF8.GetBytes),
        JsonObject.Select(Encoding.UTF8.GetBytes).Select(Gen.Int[0, 1000], Gen.Byte, Gen.Int[0, 3], Mutate),
        Gen.Int[1, 6000].Select(n => Encoding.UTF8.GetBytes(new string('[', n) + new string(']', n))),
        Gen.Int[1, 3000].Select(n => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))),
        Gen.Int[17, 40].Select(n => Encoding.UTF8.GetBytes("{\"prompt\":\"p\",\"x\":" + new string('[', n) + new string(']', n) + "}")),
        Gen.Byte.Array[0, 200],
        Gen.OneOf<byte[]>(
            [0x7B, 0x22, 0x70, 0x72, 0x6F, 0x6D, 0x70, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D],
            [0x7B, 0x22, 0x70, 0x72, 0x6F, 0x6D, 0x70, 0x74, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D],
            [0x7B, 0x22, 0x70, 0x72, 0x6F, 0x6D, 0x70, 0x74, 0x22, 0x3A, 0x22, 0xC0, 0x80, 0x22, 0x7D],
            [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],
            [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00],
            []),
        Gen.Int[65_000, 70_000].Select(n => Encoding.UTF8.GetBytes("{\"prompt\":\"" + new string('x', n) + "\"}")),
        Gen.OneOf<string>(
            "--xyz\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na fox\r\n--xyz--\r\n",
            "--xyz\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na fox",
            "--\r\n\r\n--",
            "--abc\r\n--xyz--",
            "{\"type\":\"video.completed\",\"data\":{\"id\":\"video_1\"}}",
            "{\"type\":\"video.completed\",\"data\":{\"id\":\"\\ud800\"}}",
            "{\"type\":\"video.failed\",\"data\":{\"id\":42}}",
            "{\"type\":[],\"data\":null}").Select(Encoding.UTF8.GetBytes));

    static readonly Gen<KeyValuePair<string, string[]>> Header = Gen.OneOf(
        Gen.Select(Gen.OneOf<string>("webhook-id", "webhook-timestamp", "webhook-signature"), Gen.OneOf<string>("v1,", "v1", ",", "v1,AAAA", "v1,a v1,b", "-1", "99999999999999999999", "abc", "", "msg_1", "v2,xyz", new string('v', 9000)))
            .Select((name, value) => new KeyValuePair<string, string[]>(name, [value])),
        Gen.Select(Gen.OneOf<string>("Accept", "Accept-Charset", "X-MS-CLIENT-PRINCIPAL-ID", "X-MS-CLIENT-PRINCIPAL-NAME", "X-MS-CLIENT-PRINCIPAL", "X-Forwarded-Host", "If-None-Match", "Range", "Content-Encoding", "Transfer-Encoding"), Gen.OneOf<string>("text/html", "*/*", "application/json;q=0", "admin", "eyJ", "!!", "gzip", "chunked", "bytes=0-", new string('h', 40_000)))
            .Select((name, value) => new KeyValuePair<string, string[]>(name, [value])),
        ContentType.Array[2, 3].Select(values => new KeyValuePair<string, string[]>("Content-Type", values)),
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 20], Gen.String[Gen.Char[' ', '~'], 0, 100]).Select((name, value) => new KeyValuePair<string, string[]>("X-" + name, [value, value])));

    static readonly Gen<string> HostHeader = Gen.Select(
        Gen.Int[0, 19],
        Gen.OneOf<string>("localhost", "127.0.0.1:7071", "[::1]:7071", "LOCALHOST:1"),
        Gen.OneOf<string>("evil.example.com", "localhost.evil.com", "127.0.0.2", "", "[::1", "a b", "localhost:notaport"))
        .Select((n, loopback, other) => n == 0 ? other : loopback);

    /// <summary>A route of the API or of the Durable management API, an unknown route, or a known one with another method.</summary>
    static readonly Gen<(string Method, string Path, bool Webhook)> Route =
        Gen.Select(Gen.Int[0, ApiRoutes.All.Count + ManagementTemplates.Length + 2], Segment, Segment, Gen.Int[0, 9], Gen.OneOf(Methods))
            .Select((pick, a, b, wrongMethod, method) =>
            {
                if (pick < ApiRoutes.All.Count)
                {
                    ApiRoute route = ApiRoutes.All[pick];
                    string path = "/api/" + route.Template.Replace("{id}", a, StringComparison.Ordinal).Replace("{provider}", wrongMethod % 3 != 0 ? "sora" : a, StringComparison.Ordinal);
                    return (wrongMethod < 7 ? route.Method : method, path, route.Template.StartsWith("webhooks/", StringComparison.Ordinal));
                }

                int m = pick - ApiRoutes.All.Count;
                if (m < ManagementTemplates.Length)
                {
                    (string verb, string template) = ManagementTemplates[m];
                    return (wrongMethod < 7 ? verb : method, DurableManagementRoutes.Prefix + template.Replace("{id}", a, StringComparison.Ordinal).Replace("{name}", b, StringComparison.Ordinal), false);
                }

                return (method, m == ManagementTemplates.Length ? "/" + a + "/" + b : "/api/" + a + "//" + b + "/", false);
            });

    static readonly Gen<FuzzRequest> Request =
        Gen.Select(Route, Query, HostHeader, Header.Array[0, 4], Gen.Select(Gen.Int[0, 4], Body).Select((n, b) => n == 0 ? null : (byte[]?)b), ContentType, Gen.Bool, Gen.Int[0, 4])
            .Select((route, query, hostHeader, headers, body, contentType, sendLength, sign) =>
            {
                List<KeyValuePair<string, string[]>> all = [new("Content-Type", [contentType]), .. headers];
                if (route.Webhook && sign == 0 && body is not null)
                {
                    all.AddRange(Signed(body));
                }

                return new FuzzRequest(route.Method, route.Path, query, hostHeader, all, body, sendLength);
            });

    [Fact]
    public async Task EveryRoute_GeneratedRequests_NoServerErrorAndEveryRefusalIsAProblem()
    {
        PCG pcg = new(1, Seed);
        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        for (int i = 0; i < Cases && failures.Count < 10; i++)
        {
            FuzzRequest request = Request.Generate(pcg, null, out _);
            string? failure = await CheckAsync(request, statuses);
            if (failure is not null)
            {
                failures.Add($"case {i}: {failure}\n  {request}");
            }
        }

        output.WriteLine($"{Cases} cases (seed {Seed}); answers by status: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(statuses.Keys.Any(s => s is >= 200 and < 300), "no request was accepted: the generator is too narrow");
        Assert.True(statuses.Keys.Count >= 6, "the answers are too uniform: the generator reaches too little");
    }

    [Theory]
    [InlineData("POST", "/api/videos", "{\"prompt\":\"\\ud800\"}", 400, "validation_failed")]
    [InlineData("GET", "/api/nothing-here", null, 404, "not_found")]
    [InlineData("PUT", "/api/videos", null, 405, "method_not_allowed")]
    [InlineData("GET", "/api/videos?limit=-1", null, 400, "validation_failed")]
    public async Task KnownCases_AnswerTheirProblem(string method, string pathAndQuery, string? body, int status, string code)
    {
        string[] parts = pathAndQuery.Split('?', 2);
        var request = new FuzzRequest(method, parts[0], parts.Length > 1 ? "?" + parts[1] : "", "localhost", [new("Content-Type", ["application/json"])], body is null ? null : Encoding.UTF8.GetBytes(body), true);

        HttpContext context = await SendAsync(request);
        JsonElement problem = await ReadJsonAsync(context);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(context.TraceIdentifier, problem.GetProperty("traceId").GetString());
        if (status == 405)
        {
            Assert.Contains("GET", context.Response.Headers.Allow.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/api/batches", """{"prompt":"a","count":"2"}""", 400)]
    [InlineData("/api/batches", """{"prompt":"a","count":null}""", 400)]
    [InlineData("/api/batches", """{"items":[{"prompt":"a","prompt":"b"}]}""", 202)]
    [InlineData("/api/batches", """{"items":[{"prompt":"a","\ud800":1}]}""", 400)]
    [InlineData("/api/batches", """{"\ud800":1,"prompt":"a","count":1}""", 400)]
    [InlineData("/api/videos", """{"\ud800":1,"prompt":"a"}""", 400)]
    [InlineData("/api/batches", """{"items":[{"prompt":"\ud800"}]}""", 400)]
    [InlineData("/api/batches", """{"id":"\ud800","prompt":"a","count":1}""", 400)]
    [InlineData("/api/batches", """{"id":"abc\n","prompt":"a","count":1}""", 400)]
    [InlineData("/api/videos", """{"prompt":"a","id":"abc\n"}""", 400)]
    [InlineData("/api/webhooks/sora", """{"type":"video.completed","data":{"id":"\ud800"}}""", 400)]
    [InlineData("/api/webhooks/sora", """{"type":"\ud800","data":{"id":"video_1"}}""", 400)]
    public async Task InputsFoundByReview_AreAnsweredWithoutServerError(string path, string body, int status)
    {
        // Each of these once ended in a 500: a count that is not a number, repeated or undecodable keys and values in a
        // batch item, an id ending in a newline (which storage refuses), a signed webhook whose strings do not decode.
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        var request = new FuzzRequest("POST", path, "", "localhost", [new("Content-Type", ["application/json"]), .. Signed(bytes)], bytes, true);

        HttpContext context = await SendAsync(request);

        Assert.True(status == context.Response.StatusCode, $"{context.Response.StatusCode}: {string.Join(" | ", host.Errors.Entries)}");
        if (status >= 400)
        {
            Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EngineUnreachable_Is503ProblemWithRetryAfterAndNoInternals()
    {
        HttpContext context = await SendAsync(new FuzzRequest("GET", "/api/videos/" + FuzzHost.UnreachableJob, "", "localhost", [new("Accept", ["text/html"])], null, false));
        JsonElement problem = await ReadJsonAsync(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("storage_unavailable", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("subchannel", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:7071")]
    [InlineData("[::1]:8080")]
    public async Task LoopbackHost_IsAnswered(string hostHeader)
    {
        HttpContext context = await SendAsync(new FuzzRequest("GET", "/api/videos/job-running", "", hostHeader, [], null, false));
        Assert.Equal(200, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("evil.example.com")]
    [InlineData("localhost.evil.com:7071")]
    [InlineData("192.168.1.20:7071")]
    public async Task OtherHost_Is400HostNotAllowed(string hostHeader)
    {
        HttpContext context = await SendAsync(new FuzzRequest("GET", "/api/videos/job-running", "", hostHeader, [], null, false));

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("host_not_allowed", (await ReadJsonAsync(context)).GetProperty("code").GetString());
    }

    async Task<string?> CheckAsync(FuzzRequest request, SortedDictionary<int, int> statuses)
    {
        HttpContext context;
        try
        {
            context = await SendAsync(request);
        }
        catch (Exception ex)
        {
            return $"the pipeline threw {ex.GetType().Name}: {ex.Message}";
        }

        int status = context.Response.StatusCode;
        statuses[status] = statuses.GetValueOrDefault(status) + 1;
        string text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        if (status is < 200 or >= 500)
        {
            string logged = string.Join("\n", host.Errors.Entries);
            host.Errors.Clear();
            return $"status {status}: {text[..Math.Min(text.Length, 500)]}\n  logged: {logged[..Math.Min(logged.Length, 3000)]}";
        }

        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal))
        {
            return $"status {status}: the body names an exception or a stack frame: {text[..Math.Min(text.Length, 500)]}";
        }

        if (status >= 400)
        {
            if (context.Response.ContentType?.StartsWith(ApiProblem.ContentType, StringComparison.Ordinal) != true)
            {
                return $"status {status} with content type '{context.Response.ContentType}', not problem+json";
            }

            if (request.Method == "HEAD")
            {
                return null;
            }

            try
            {
                using var problem = JsonDocument.Parse(text);
                if (problem.RootElement.GetProperty("code").GetString() is not { Length: > 0 } || problem.RootElement.GetProperty("status").GetInt32() != status
                    || problem.RootElement.GetProperty("traceId").GetString() is not { Length: > 0 })
                {
                    return $"status {status}: the problem lacks code, status or traceId: {text[..Math.Min(text.Length, 500)]}";
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"status {status}: the body is not a problem: {text[..Math.Min(text.Length, 500)]}";
            }
        }

        return null;
    }

    Task<HttpContext> SendAsync(FuzzRequest request) =>
        host.Server.SendAsync(context =>
        {
            HttpRequest http = context.Request;
            http.Method = request.Method;
            http.Path = PathString.FromUriComponent(request.Path);
            http.QueryString = new QueryString(request.Query.Length == 0 ? null : request.Query);
            http.Host = new HostString(request.Host);
            foreach ((string name, string[] values) in request.Headers)
            {
                http.Headers[name] = StringValues.Concat(http.Headers[name], new StringValues(values));
            }

            if (request.Body is not null)
            {
                http.Body = new MemoryStream(request.Body);
                if (request.SendLength)
                {
                    http.ContentLength = request.Body.Length;
                }
            }
        });

    static async Task<JsonElement> ReadJsonAsync(HttpContext context)
    {
        using JsonDocument document = await JsonDocument.ParseAsync(context.Response.Body);
        return document.RootElement.Clone();
    }

    static byte[] Mutate(byte[] json, int at, byte value, int how)
    {
        if (json.Length == 0)
        {
            return [value];
        }

        int i = at % json.Length;
        return how switch
        {
            0 => [.. json[..i], value, .. json[(i + 1)..]],
            1 => [.. json[..i], .. json[(i + 1)..]],
            2 => [.. json[..i], value, .. json[i..]],
            _ => json[..i],
        };
    }

    /// <summary>Valid Standard Webhooks headers for the body, so that generated payloads get past the signature.</summary>
    static IEnumerable<KeyValuePair<string, string[]>> Signed(byte[] body)
    {
        string payload;
        try
        {
            payload = new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return [];
        }

        string id = "msg_" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body))[..16];
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return
        [
            new("webhook-id", [id]),
            new("webhook-timestamp", [now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)]),
            new("webhook-signature", [new StandardWebhook(FuzzHost.WebhookSecret).Sign(id, now, payload)]),
        ];
    }

    static string ReplaceSurrogates(string text) => string.Concat(text.Select(c => char.IsSurrogate(c) ? '?' : c));
}

/// <summary>The local host's listening addresses: anything beyond loopback is reported for the start-up warning.</summary>
public sealed class LocalHostExposureTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7071", false)]
    [InlineData("http://localhost:7071", false)]
    [InlineData("http://[::1]:7071", false)]
    [InlineData("http://0.0.0.0:7071", true)]
    [InlineData("http://[::]:7071", true)]
    [InlineData("http://*:7071", true)]
    [InlineData("http://+:7071", true)]
    [InlineData("http://192.168.1.20:7071", true)]
    public void BeyondLoopback_Address_IsReportedWhenReachableFromOutside(string address, bool reported)
    {
        Assert.Equal(reported, SoraFunctions.LocalHost.Hosting.LocalHostAllowedHosts.BeyondLoopback([address]).Count == 1);
    }

    [Fact]
    public void AllowedHosts_Configured_ReplaceLoopback()
    {
        Microsoft.Extensions.Configuration.IConfiguration configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["LocalHost:AllowedHosts"] = "videos.lan;*.example.com" })
            .Build();
        var allowed = SoraFunctions.LocalHost.Hosting.LocalHostAllowedHosts.From(configuration);

        Assert.True(allowed.Allows(new HostString("videos.lan:7071")));
        Assert.True(allowed.Allows(new HostString("a.example.com")));
        Assert.False(allowed.Allows(new HostString("localhost:7071")));
        Assert.False(allowed.Allows(new HostString("example.com.evil")));
    }
}
