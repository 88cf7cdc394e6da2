namespace SoraEmulator.Tests;

/// <summary>Helpers for the Runway face: every call carries <c>X-Runway-Version</c> unless a test says otherwise.</summary>
public abstract class RunwayTestBase : EmulatorTestBase
{
    protected const string Version = "2024-11-06";

    protected async Task<HttpResponseMessage> SendRunwayAsync(HttpMethod method, string path, string? json = null,
        string? version = Version, string? authorization = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (version is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Runway-Version", version);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    protected Task<HttpResponseMessage> PostRunwayAsync(string path, object body) =>
        SendRunwayAsync(HttpMethod.Post, path, JsonSerializer.Serialize(body));

    protected Task<HttpResponseMessage> PostTextToVideoAsync(string promptText, string model = "gen4.5",
        string ratio = "1280:720", int duration = 5) =>
        PostRunwayAsync("v1/text_to_video", new { model, promptText, ratio, duration });

    /// <summary>Creates a text-to-video task and returns its id.</summary>
    protected async Task<string> CreateTaskAsync(string promptText, string ratio = "1280:720")
    {
        using HttpResponseMessage response = await PostTextToVideoAsync(promptText, ratio: ratio);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = (await ReadJsonAsync(response)).GetProperty("id").GetString()!;
        Assert.True(Guid.TryParse(id, out _), id);
        return id;
    }

    protected async Task<JsonElement> GetTaskAsync(string id)
    {
        using HttpResponseMessage response = await SendRunwayAsync(HttpMethod.Get, $"v1/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    protected async Task<string> StatusOfAsync(string id) => (await GetTaskAsync(id)).GetProperty("status").GetString()!;

    /// <summary>Asserts a Runway error: the status and a body <c>{"error": "…"}</c>; returns the message.</summary>
    protected static async Task<string> AssertRunwayErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        JsonElement body = await ReadJsonAsync(response);
        return body.GetProperty("error").GetString()!;
    }

    /// <summary>A GET of an absolute URL (an output URL), with optional extra headers, streaming.</summary>
    protected async Task<HttpResponseMessage> GetUrlAsync(string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.RelativeOrAbsolute));
        foreach ((string? name, string? value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Advances past the render time and returns the task's single output URL.</summary>
    protected async Task<string> OutputUrlAsync(string id)
    {
        JsonElement task = await GetTaskAsync(id);
        Assert.Equal("SUCCEEDED", task.GetProperty("status").GetString());
        return Assert.Single(task.GetProperty("output").EnumerateArray()).GetString()!;
    }
}
