using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Catalog;
using SoraFunctions.Http;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Integration;

/// <summary>Batches, remix, image-to-video and renditions through the real API, engine, emulator and Azurite.</summary>
[Collection(PipelineTestGroup.Name)]
public sealed class BatchAndMediaTests(PipelineFixture fixture)
{
    static string Tag() => Guid.NewGuid().ToString("N");

    VideoApi Videos => fixture.Services.GetRequiredService<VideoApi>();

    BatchApi Batches => fixture.Services.GetRequiredService<BatchApi>();

    async Task<(int Status, JsonElement Body)> PostBatchAsync(string json)
    {
        DefaultHttpContext context = HttpResults.NewContext(json);
        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await Batches.SubmitAsync(context.Request, fixture.Client, default), context);
        return (status, body);
    }

    async Task<JsonElement> BatchAsync(string id)
    {
        DefaultHttpContext context = HttpResults.NewContext();
        (_, JsonElement body, _) = await HttpResults.ExecuteAsync(await Batches.GetAsync(context.Request, id, fixture.Client, default), context);
        return body;
    }

    async Task<JsonElement> WaitForBatchAsync(string id, string status = "")
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            JsonElement batch = await BatchAsync(id);
            string now = batch.GetProperty("status").GetString()!;
            if (now != BatchView.Running && (status.Length == 0 || now == status))
            {
                return batch;
            }

            Assert.True(DateTime.UtcNow < deadline, $"batch {id} still {now}: {batch}");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Batch_OfFiveVariations_CompletesWithFiveBlobsAndFiveProviderVideos()
    {
        string tag = Tag();
        string prompt = $"[[render=1]] five foxes {tag}";
        (int status, JsonElement accepted) = await PostBatchAsync($$"""{"prompt":"{{prompt}}","count":5,"id":"batch-{{tag}}"}""");
        Assert.Equal(202, status);
        Assert.Equal(5, accepted.GetProperty("items").GetArrayLength());

        JsonElement done = await WaitForBatchAsync($"batch-{tag}");

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal(5, done.GetProperty("counts").GetProperty("completed").GetInt32());
        Assert.Equal(5, fixture.Emulator.Stats.VideosWithPrompt(prompt));
        foreach (JsonElement item in done.GetProperty("items").EnumerateArray())
        {
            Assert.StartsWith($"batch-{tag}-", item.GetProperty("id").GetString(), StringComparison.Ordinal);
            string blob = item.GetProperty("blob").GetProperty("name").GetString()!;
            Assert.True((await fixture.Videos.GetBlobClient(blob).ExistsAsync()).Value, blob);
        }
    }

    [Fact]
    public async Task Batch_OneItemFails_IsPartiallyFailed()
    {
        string tag = Tag();
        (int status, _) = await PostBatchAsync($$"""{"id":"mixed-{{tag}}","items":[{"prompt":"[[render=1]] ok {{tag}}"},{"prompt":"[[render=2]][[fail=moderation_blocked]] bad {{tag}}"}]}""");
        Assert.Equal(202, status);

        JsonElement done = await WaitForBatchAsync($"mixed-{tag}");

        Assert.Equal("partially_failed", done.GetProperty("status").GetString());
        Assert.Equal("moderation_blocked", done.GetProperty("items")[1].GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Batch_CanceledMidway_CancelsEveryUnfinishedItem()
    {
        string tag = Tag();
        string id = $"cancel-{tag}";
        await PostBatchAsync($$"""{"id":"{{id}}","prompt":"[[render=60]] slow {{tag}}","count":2}""");
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await BatchAsync(id)).GetProperty("items").EnumerateArray().Any(i => i.GetProperty("status").GetString() != JobStatus.InProgress))
        {
            Assert.True(DateTime.UtcNow < deadline, "the items never started rendering");
            await Task.Delay(200);
        }

        DefaultHttpContext context = HttpResults.NewContext();
        (int status, _, _) = await HttpResults.ExecuteAsync(await Batches.CancelAsync(context.Request, id, fixture.Client, default), context);
        JsonElement done = await WaitForBatchAsync(id);

        Assert.Equal(202, status);
        Assert.Equal("canceled", done.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Batch_CanceledAtOnce_CancelsItemsNotStartedYet()
    {
        // The cancel may come before the batch's first step has started its items: the engine keeps an event for an
        // instance that is about to start, so every item still ends canceled.
        string tag = Tag();
        string id = $"cancel-now-{tag}";
        await PostBatchAsync($$"""{"id":"{{id}}","prompt":"[[render=30]] slow {{tag}}","count":3}""");

        DefaultHttpContext context = HttpResults.NewContext();
        (int status, _, _) = await HttpResults.ExecuteAsync(await Batches.CancelAsync(context.Request, id, fixture.Client, default), context);
        JsonElement done = await WaitForBatchAsync(id);

        Assert.Equal(202, status);
        Assert.All(done.GetProperty("items").EnumerateArray(), i => Assert.Equal(JobStatus.Canceled, i.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Batch_SameIdAgain_StartsNothingNew()
    {
        string tag = Tag();
        string json = $$"""{"id":"twice-{{tag}}","prompt":"[[render=1]] twice {{tag}}","count":2}""";
        (int first, _) = await PostBatchAsync(json);
        (int second, JsonElement again) = await PostBatchAsync(json);
        await WaitForBatchAsync($"twice-{tag}");

        Assert.Equal((202, 200), (first, second));
        Assert.Equal(2, again.GetProperty("items").GetArrayLength());
        Assert.Equal(2, fixture.Emulator.Stats.CreatesWithPrompt($"[[render=1]] twice {tag}"));
    }

    [Fact]
    public async Task Batch_BadItemOrTooMany_Answers400NamingTheItem()
    {
        (int bad, JsonElement body) = await PostBatchAsync("""{"items":[{"prompt":"fine"},{"prompt":"   "}]}""");
        (int many, _) = await PostBatchAsync("""{"prompt":"x","count":51}""");

        Assert.Equal((400, 400), (bad, many));
        Assert.True(body.GetProperty("errors").TryGetProperty("items[1].prompt", out _), body.ToString());
    }

    [Fact]
    public async Task Remix_OfACompletedJob_MakesANewVideoThatNamesItsSource()
    {
        string tag = Tag();
        VideoJobResult source = (await fixture.RunJobAsync($"[[render=1]] source {tag}", jobId: $"source-{tag}")).ReadOutputAs<VideoJobResult>()!;
        Assert.Equal(JobStatus.Completed, source.Status);
        int remixesBefore = fixture.Emulator.Stats.Remixes;

        DefaultHttpContext context = HttpResults.NewContext($$"""{"prompt":"the same fox, at night {{tag}}","id":"remix-{{tag}}"}""");
        (int status, JsonElement accepted, _) = await HttpResults.ExecuteAsync(await Videos.RemixAsync(context.Request, $"source-{tag}", fixture.Client, new HttpResults.TestUrls(), default), context);
        VideoJobResult remix = (await fixture.WaitAsync($"remix-{tag}", TimeSpan.FromSeconds(90))).ReadOutputAs<VideoJobResult>()!;

        Assert.Equal(202, status);
        Assert.Equal(JobStatus.Completed, remix.Status);
        Assert.Equal(remixesBefore + 1, fixture.Emulator.Stats.Remixes);
        BlobProperties properties = (await fixture.Videos.GetBlobClient(remix.Blob!.Name).GetPropertiesAsync()).Value;
        Assert.Equal($"source-{tag}", properties.Metadata[BlobMetadataKeys.RemixOf]);
        _ = accepted;
    }

    [Fact]
    public async Task Remix_OfAnUnfinishedJob_Answers409()
    {
        string tag = Tag();
        string id = await fixture.StartJobAsync($"[[render=60]] unfinished {tag}");
        DefaultHttpContext context = HttpResults.NewContext("""{"prompt":"again"}""");

        (int status, _, _) = await HttpResults.ExecuteAsync(await Videos.RemixAsync(context.Request, id, fixture.Client, new HttpResults.TestUrls(), default), context);

        Assert.Equal(409, status);
        await fixture.Client.TerminateInstanceAsync(id);
    }

    [Fact]
    public async Task Renditions_AreStoredOnceBesideTheVideoAndLinkedFromTheJob()
    {
        string tag = Tag();
        (int status, JsonElement accepted) = await HttpResults.SubmitAsync(Videos, fixture.Client, $$"""{"prompt":"[[render=1]] poster {{tag}}","renditions":["thumbnail","spritesheet"]}""");
        Assert.Equal(202, status);
        string id = accepted.GetProperty("id").GetString()!;
        VideoJobResult result = (await fixture.WaitAsync(id, TimeSpan.FromSeconds(90))).ReadOutputAs<VideoJobResult>()!;

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(result.Blob!.Name[..^4] + ".webp", result.Renditions!["thumbnail"].Name);
        Assert.Equal(result.Blob.Name[..^4] + ".jpg", result.Renditions["spritesheet"].Name);
        BlobProperties thumbnail = (await fixture.Videos.GetBlobClient(result.Renditions["thumbnail"].Name).GetPropertiesAsync()).Value;
        Assert.Equal("image/webp", thumbnail.ContentType);
        BlobProperties video = (await fixture.Videos.GetBlobClient(result.Blob.Name).GetPropertiesAsync()).Value;
        Assert.Equal("thumbnail,spritesheet", video.Metadata[BlobMetadataKeys.Renditions]);

        // The job links each rendition through the API, which redirects to a short-lived link (storage has no public access).
        JobApi jobs = fixture.Services.GetRequiredService<JobApi>();
        DefaultHttpContext get = HttpResults.NewContext();
        (_, JsonElement view, _) = await HttpResults.ExecuteAsync(await jobs.GetAsync(get.Request, id, fixture.Client, default), get);
        Assert.Equal($"/api/videos/{id}/renditions/thumbnail", view.GetProperty("renditions").GetProperty("thumbnail").GetProperty("url").GetString());
        DefaultHttpContext open = HttpResults.NewContext();
        (int redirect, _, HttpContext answered) = await HttpResults.ExecuteAsync(await jobs.RenditionAsync(open.Request, id, "thumbnail", fixture.Client, default), open);
        Assert.Equal(302, redirect);
        using var http = new HttpClient();
        using HttpResponseMessage image = await http.GetAsync(new Uri(answered.Response.Headers.Location.ToString()));
        image.EnsureSuccessStatusCode();
        byte[] bytes = await image.Content.ReadAsByteArrayAsync();
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(bytes, 8, 4));
        DefaultHttpContext missing = HttpResults.NewContext();
        (int notFound, _, _) = await HttpResults.ExecuteAsync(await jobs.RenditionAsync(missing.Request, id, "storyboard", fixture.Client, default), missing);
        Assert.Equal(404, notFound);
    }

    [Fact]
    public async Task ImageToVideo_PngOfTheRightSize_ReachesTheProviderByteForByte()
    {
        string tag = Tag();
        string prompt = $"[[render=1]] animate this still {tag}";
        byte[] png = TestImages.Png(720, 1280);

        (int status, JsonElement accepted) = await PostMultipartAsync(prompt, "720x1280", png);
        Assert.True(status == 202, accepted.ToString());
        VideoJobResult result = (await fixture.WaitAsync(accepted.GetProperty("id").GetString()!, TimeSpan.FromSeconds(90))).ReadOutputAs<VideoJobResult>()!;

        Assert.Equal(JobStatus.Completed, result.Status);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), fixture.Emulator.Stats.InputReferenceOf(prompt));
        BlobClient stored = new BlobServiceClient(fixture.Azurite.ConnectionString).GetBlobContainerClient(InputImageStore.ContainerName).GetBlobClient($"{accepted.GetProperty("id").GetString()}.png");
        Assert.Equal(png, (await stored.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Theory]
    [InlineData("1280x720", "must be exactly")]
    [InlineData("720x1280", "not a JPEG, PNG or WebP")]
    public async Task ImageToVideo_WrongSizeOrNotAnImage_Answers400NamingInputReference(string size, string message)
    {
        byte[] file = message.StartsWith("not", StringComparison.Ordinal) ? "GIF89a not really"u8.ToArray() : TestImages.Png(720, 1280);

        (int status, JsonElement body) = await PostMultipartAsync($"still {Tag()}", size, file);

        Assert.Equal(400, status);
        Assert.Contains(message, body.GetProperty("errors").GetProperty("input_reference")[0].GetString(), StringComparison.Ordinal);
    }

    async Task<(int Status, JsonElement Body)> PostMultipartAsync(string prompt, string size, byte[] image)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(prompt), "prompt" },
            { new StringContent(size), "size" },
        };
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "input_reference", "still.png");
        byte[] body = await form.ReadAsByteArrayAsync();

        DefaultHttpContext context = HttpResults.NewContext();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        context.Request.ContentType = form.Headers.ContentType!.ToString();
        (int status, JsonElement json, _) = await HttpResults.ExecuteAsync(await Videos.SubmitAsync(context.Request, fixture.Client, new HttpResults.TestUrls(), default), context);
        return (status, json);
    }
}
