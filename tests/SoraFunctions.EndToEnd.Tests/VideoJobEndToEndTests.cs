using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using SoraFunctions.EndToEnd.Tests.Support;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>The local host as a process, with Azurite and the emulator, driven over HTTP only.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class VideoJobEndToEndTests(EndToEndFixture fixture)
{
    VideoApiDriver Api => new(fixture.Http, fixture.Host.BaseAddress);

    [Fact]
    public async Task Submit_ValidPrompt_CompletesWithContentAndBlobEqualToEmulatorVideo()
    {
        JsonObject accepted = await Api.SubmitAcceptedAsync("a lighthouse at dusk, e2e happy path");
        string id = (string)accepted["id"]!;

        JsonObject job = await Api.WaitForFinishAsync(id);
        Assert.True(VideoApiDriver.Status(job) == "completed", $"{VideoApiDriver.Describe(job)}{Environment.NewLine}{fixture.Host.RecentOutput}");

        string providerVideoId = (string)job["providerVideoId"]!;
        byte[] served = await fixture.Http.GetByteArrayAsync(new Uri($"{fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}/videos/{providerVideoId}/content"));
        byte[] content = await DownloadContentAsync(id);
        Assert.Equal(served, content);

        string blobName = (string)job["blob"]!["name"]!;
        Assert.Equal(EndToEndFixture.BlobNameFor(id, DateTimeOffset.Parse((string)job["createdAt"]!, System.Globalization.CultureInfo.InvariantCulture)), blobName);
        Assert.Equal("videos", (string)job["blob"]!["container"]!);

        BlobClient blob = fixture.Videos.GetBlobClient(blobName);
        BlobProperties properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal("video/mp4", properties.ContentType);
        Assert.Equal(id, properties.Metadata["jobid"]);
        Assert.Equal(providerVideoId, properties.Metadata["providervideoid"]);
        Assert.Equal("sora-2", properties.Metadata["model"]);
        Assert.Equal("4", properties.Metadata["seconds"]);
        Assert.Equal("720x1280", properties.Metadata["size"]);
        Assert.Equal(served, (await blob.DownloadContentAsync()).Value.Content.ToArray());

        // The local host hands the committed blob to the catalog consumer in-process: one row, with the
        // duration and size read from the MP4 itself (the emulator's 4 s portrait clip).
        JsonObject row = await WaitForLibraryRowAsync(id);
        Assert.Equal(blobName, (string)row["blobName"]!);
        Assert.True((bool)row["isValidMp4"]!);
        Assert.Equal(4.0, (double)row["durationSeconds"]!, precision: 1);
        Assert.Equal((720, 1280), ((int)row["width"]!, (int)row["height"]!));
        Assert.Equal(served.Length, (long)row["byteSize"]!);
        Assert.Equal(0.40m, (decimal)row["estimatedCostUsd"]!);
        Assert.Equal("0.40", properties.Metadata["costusd"]);
    }

    [Fact]
    public async Task Job_SubSecondPollIntervals_NeverChecksFasterThanTheMinimumWait()
    {
        // The suite waits 0.5–1 s between checks. Azure Storage hides a timer's message for whole seconds, rounded
        // down, so such timers used to fire at once: a 6 s render made about a hundred status checks.
        JsonObject accepted = await Api.SubmitAcceptedAsync("a kite over dunes, e2e timer pacing [[render=6]]");
        string id = (string)accepted["id"]!;

        JsonObject job = await Api.WaitForFinishAsync(id);

        Assert.True(VideoApiDriver.Status(job) == "completed", $"{VideoApiDriver.Describe(job)}{Environment.NewLine}{fixture.Host.RecentOutput}");
        TimeSpan ran = (DateTimeOffset)job["completedAt"]! - (DateTimeOffset)job["createdAt"]!;
        int allowed = (int)(ran / TimeSpan.FromSeconds(0.5)) + 1;
        int checks = (int)job["checks"]!;
        Assert.True(checks >= 1 && checks <= allowed, $"{checks} status checks in {ran.TotalSeconds:0.0} s; at most {allowed} at one per 0.5 s");
    }

    [Fact]
    public void Host_WithProviderAndStorageConfigured_UsesThemAndStartsNeitherEmulatorNorAzurite()
    {
        string startup = string.Join(Environment.NewLine, fixture.Host.StartupOutput);

        Assert.Contains("Azurite not started", startup, StringComparison.Ordinal);
        Assert.Contains($"Sora provider at {fixture.Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/')}", startup, StringComparison.Ordinal);
        Assert.DoesNotContain("Sora emulator: started", startup, StringComparison.Ordinal);
        Assert.DoesNotContain("Azurite 3.", startup, StringComparison.Ordinal);
    }

    async Task<JsonObject> WaitForLibraryRowAsync(string jobId)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            JsonObject page = (await fixture.Http.GetFromJsonAsync<JsonObject>(new Uri(fixture.Host.BaseAddress, "api/library?limit=100")))!;
            JsonObject[] rows = [.. page["items"]!.AsArray().Select(r => r!.AsObject()).Where(r => (string?)r["jobId"] == jobId)];
            if (rows.Length > 0)
            {
                return Assert.Single(rows);
            }

            Assert.True(DateTime.UtcNow < deadline, $"no catalog row for {jobId} in time");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task StatusQueryGetUri_FromAccepted_Answers202WhileRunningAnd200WithOutputWhenDone()
    {
        JsonObject accepted = await Api.SubmitAcceptedAsync("a paper boat on a river, e2e durable status [[render=4]]");
        string id = (string)accepted["id"]!;
        Uri statusUri = new((string)accepted["statusQueryGetUri"]!);
        Assert.Equal(fixture.Host.BaseAddress.Authority, statusUri.Authority);
        Assert.NotNull(accepted["terminatePostUri"]);
        Assert.NotNull(accepted["purgeHistoryDeleteUri"]);

        using (HttpResponseMessage running = await fixture.Http.GetAsync(statusUri))
        {
            Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
            JsonObject body = JsonNode.Parse(await running.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal(id, (string?)body["instanceId"]);
            Assert.True((string?)body["runtimeStatus"] is "Pending" or "Running", (string?)body["runtimeStatus"]);
        }

        JsonObject done = await Poll.UntilAsync(
            async ct =>
            {
                using HttpResponseMessage response = await fixture.Http.GetAsync(statusUri, ct);
                return response.StatusCode == HttpStatusCode.OK
                    ? JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject()
                    : null;
            },
            VideoApiDriver.JobTimeout,
            "the Durable status query to answer 200");

        Assert.Equal("Completed", (string?)done["runtimeStatus"]);
        Assert.False(string.IsNullOrEmpty((string?)done["name"]));
        Assert.NotNull(done["createdTime"]);
        Assert.NotNull(done["lastUpdatedTime"]);
        Assert.NotNull(done["input"]);
        Assert.Equal("completed", (string?)done["output"]!["Status"] ?? (string?)done["output"]!["status"]);
    }

    [Fact]
    public async Task Submit_MissingPrompt_Returns400ProblemJsonNamingPrompt()
    {
        using StringContent body = new("""{"model":"sora-2"}""", Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await fixture.Http.PostAsync(new Uri(fixture.Host.BaseAddress, "api/videos"), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("prompt", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Submit_ProviderBlocksTheVideo_JobFailsWithProviderCode()
    {
        JsonObject accepted = await Api.SubmitAcceptedAsync("a crowd scene, e2e failure [[fail=moderation_blocked]]");
        string id = (string)accepted["id"]!;

        JsonObject job = await Api.WaitForFinishAsync(id);

        Assert.True(VideoApiDriver.Status(job) == "failed", VideoApiDriver.Describe(job));
        Assert.Equal("moderation_blocked", (string?)job["error"]!["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)job["error"]!["message"]));
    }

    [Fact]
    public async Task Delete_RunningJob_JobEndsCanceledAndStoresNothing()
    {
        JsonObject accepted = await Api.SubmitAcceptedAsync("an endless render, e2e cancel [[stall]]");
        string id = (string)accepted["id"]!;
        await Api.WaitForJobAsync(id, job => VideoApiDriver.Status(job) == "in_progress", "in progress");

        using HttpResponseMessage delete = await fixture.Http.DeleteAsync(new Uri(fixture.Host.BaseAddress, $"api/videos/{id}"));
        Assert.True(delete.IsSuccessStatusCode, $"DELETE answered {(int)delete.StatusCode}");

        JsonObject done;
        try
        {
            done = await Api.WaitForFinishAsync(id);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}{fixture.Host.RecentOutput}", ex);
        }

        Assert.True(VideoApiDriver.Status(done) == "canceled", VideoApiDriver.Describe(done));
        using HttpResponseMessage content = await fixture.Http.GetAsync(new Uri(fixture.Host.BaseAddress, $"api/videos/{id}/content"));
        Assert.NotEqual(HttpStatusCode.OK, content.StatusCode);
        Assert.False(content.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.TemporaryRedirect or HttpStatusCode.Found);
    }

    /// <summary>Follows a redirect to a read-only link by hand, or reads the stream.</summary>
    async Task<byte[]> DownloadContentAsync(string id)
    {
        using HttpResponseMessage response = await fixture.Http.GetAsync(new Uri(fixture.Host.BaseAddress, $"api/videos/{id}/content"));
        if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.TemporaryRedirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
        {
            Uri location = response.Headers.Location!;
            return await fixture.Http.GetByteArrayAsync(location.IsAbsoluteUri ? location : new Uri(fixture.Host.BaseAddress, location));
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new MediaTypeHeaderValue("video/mp4").MediaType, response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
