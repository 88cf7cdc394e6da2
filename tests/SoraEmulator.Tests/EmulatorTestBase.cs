namespace SoraEmulator.Tests;

/// <summary>
/// One in-process emulator per test on a free loopback port, driven by a fake clock, and an HttpClient for it.
/// </summary>
public abstract class EmulatorTestBase : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    RunningEmulator? emulator;
    HttpClient? client;

    protected FakeTimeProvider Time { get; } = new(Start);

    protected RunningEmulator Emulator => emulator ?? throw new InvalidOperationException("Not started.");

    protected HttpClient Client => client ?? throw new InvalidOperationException("Not started.");

    /// <summary>Options of the emulator under test; 20 s render, 10 % queued by default.</summary>
    protected virtual EmulatorOptions CreateOptions() => new() { RenderSeconds = 20, QueuedFraction = 0.1 };

    public virtual async Task InitializeAsync()
    {
        emulator = await RunningEmulator.StartAsync(CreateOptions(), Time);
        client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = emulator.BaseAddress };
    }

    public virtual async Task DisposeAsync()
    {
        client?.Dispose();
        if (emulator is not null)
        {
            await emulator.DisposeAsync();
        }
    }

    protected Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    protected Task<HttpResponseMessage> GetAsync(string path) => Client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>Creates a video through JSON and returns the video object.</summary>
    protected async Task<JsonElement> CreateAsync(string prompt, string? size = null, string? model = null)
    {
        var body = new Dictionary<string, string> { ["prompt"] = prompt };
        if (size is not null)
        {
            body["size"] = size;
        }

        if (model is not null)
        {
            body["model"] = model;
        }

        using HttpResponseMessage response = await PostJsonAsync("v1/videos", JsonSerializer.Serialize(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    /// <summary>Creates a video and returns its id.</summary>
    protected async Task<string> CreateIdAsync(string prompt, string? size = null) =>
        (await CreateAsync(prompt, size)).GetProperty("id").GetString()!;

    protected async Task<JsonElement> RetrieveAsync(string id)
    {
        using HttpResponseMessage response = await GetAsync($"v1/videos/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    protected void Advance(double seconds) => Time.Advance(TimeSpan.FromSeconds(seconds));

    protected static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the status and the error shape, and returns the error object.</summary>
    protected static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status,
        string? param = null, string? code = null)
    {
        Assert.Equal(status, response.StatusCode);
        JsonElement body = await ReadJsonAsync(response);
        JsonElement error = body.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out JsonElement actualParam));
        Assert.True(error.TryGetProperty("code", out JsonElement actualCode));
        if (param is not null)
        {
            Assert.Equal(param, actualParam.GetString());
        }

        if (code is not null)
        {
            Assert.Equal(code, actualCode.GetString());
        }

        return error;
    }
}
