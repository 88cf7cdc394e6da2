using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SoraFunctions.EndToEnd.Tests.Support;

/// <summary>Drives a local host's HTTP API the way any client would.</summary>
sealed class VideoApiDriver(HttpClient http, Uri baseAddress)
{
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    public async Task<HttpResponseMessage> SubmitAsync(object body) =>
        await http.PostAsJsonAsync(new Uri(baseAddress, "api/videos"), body);

    /// <summary>Submits and returns the 202 body.</summary>
    public async Task<JsonObject> SubmitAcceptedAsync(string prompt)
    {
        using HttpResponseMessage response = await SubmitAsync(new { prompt });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public async Task<JsonObject> GetJobAsync(string id, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri(baseAddress, $"api/videos/{id}"), cancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
    }

    /// <summary>Polls the job until <paramref name="accept"/> holds for it.</summary>
    public Task<JsonObject> WaitForJobAsync(string id, Func<JsonObject, bool> accept, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            async ct =>
            {
                JsonObject job = await GetJobAsync(id, ct);
                return accept(job) ? job : null;
            },
            timeout ?? JobTimeout,
            $"job {id} to be {what}");

    /// <summary>Polls until the job is completed, failed or canceled.</summary>
    public Task<JsonObject> WaitForFinishAsync(string id, TimeSpan? timeout = null) =>
        WaitForJobAsync(id, job => (string?)job["status"] is "completed" or "failed" or "canceled", "finished", timeout);

    public static string Status(JsonObject job) => (string?)job["status"] ?? string.Empty;

    public static string Describe(JsonObject job) => job.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
