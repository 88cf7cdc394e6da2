using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>Batches, remix and renditions through the local host as a process, over HTTP only.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class BatchAndMediaEndToEndTests(EndToEndFixture fixture)
{
    VideoApiDriver Api => new(fixture.Http, fixture.Host.BaseAddress);

    [Fact]
    public async Task BatchOfFive_CompletesWithFiveBlobsAndExactlyFiveProviderVideos()
    {
        string tag = Guid.NewGuid().ToString("N")[..12];
        string prompt = $"[[render=2]] five lanterns e2e {tag}";
        using HttpResponseMessage submitted = await fixture.Http.PostAsJsonAsync(
            new Uri(fixture.Host.BaseAddress, "api/batches"), new { prompt, count = 5, id = $"lanterns-{tag}" });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal($"/api/batches/lanterns-{tag}", submitted.Headers.Location?.OriginalString);

        JsonObject batch = await Poll.UntilAsync<JsonObject>(
            async ct =>
            {
                JsonObject now = (await fixture.Http.GetFromJsonAsync<JsonObject>(new Uri(fixture.Host.BaseAddress, $"api/batches/lanterns-{tag}"), ct))!;
                return (string?)now["status"] == "running" ? null : now;
            },
            TimeSpan.FromSeconds(120),
            "the batch to end");

        Assert.True((string?)batch["status"] == "completed", batch.ToJsonString());
        Assert.Equal(5, fixture.Emulator.Stats.VideosWithPrompt(prompt));
        foreach (JsonNode? item in batch["items"]!.AsArray())
        {
            Assert.True((await fixture.Videos.GetBlobClient((string)item!["blob"]!["name"]!).ExistsAsync()).Value);
        }
    }

    [Fact]
    public async Task RemixWithRenditions_NamesItsSourceAndStoresTheThumbnailBesideTheVideo()
    {
        JsonObject source = await Api.WaitForFinishAsync((string)(await Api.SubmitAcceptedAsync($"[[render=2]] a kite e2e {Guid.NewGuid():N}"))["id"]!);
        Assert.Equal("completed", VideoApiDriver.Status(source));

        using HttpResponseMessage remixed = await fixture.Http.PostAsJsonAsync(
            new Uri(fixture.Host.BaseAddress, $"api/videos/{(string)source["id"]!}/remix"), new { prompt = "the kite at dusk" });
        Assert.Equal(HttpStatusCode.Accepted, remixed.StatusCode);
        JsonObject remix = await Api.WaitForFinishAsync((string)(await remixed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        Assert.Equal(("completed", (string?)source["id"]), (VideoApiDriver.Status(remix), (string?)remix["remixOf"]));

        using HttpResponseMessage poster = await Api.SubmitAsync(new { prompt = $"[[render=2]] a poster e2e {Guid.NewGuid():N}", renditions = Thumbnail });
        JsonObject job = await Api.WaitForFinishAsync((string)(await poster.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        string thumbnail = (string)job["renditions"]!["thumbnail"]!["name"]!;
        Assert.Equal(((string)job["blob"]!["name"]!)[..^4] + ".webp", thumbnail);
        BlobProperties properties = (await fixture.Videos.GetBlobClient(thumbnail).GetPropertiesAsync()).Value;
        Assert.Equal("image/webp", properties.ContentType);
    }

    [Fact]
    public async Task ImageToVideo_OverMultipartOfTheWrongSize_IsRefusedNamingTheField()
    {
        byte[] png = Convert.FromBase64String(OnePixelPng);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("[[render=2]] a one-pixel still e2e " + Guid.NewGuid().ToString("N")), "prompt" },
            { new StringContent("sora-2"), "model" },
            { new StringContent("720x1280"), "size" },
        };
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "input_reference", "still.png");

        using HttpResponseMessage refused = await fixture.Http.PostAsync(new Uri(fixture.Host.BaseAddress, "api/videos"), form);

        // A 1x1 image cannot start a 720x1280 video: the API says so, naming the field, before the provider is asked.
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonObject problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]!["input_reference"]);
    }

    static readonly string[] Thumbnail = ["thumbnail"];

    const string OnePixelPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
}
