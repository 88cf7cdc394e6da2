using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using SoraFunctions.EndToEnd.Tests.Support;
using SoraFunctions.Testing;
using Xunit.Abstractions;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>
/// The storage emulator stopped under a running local host and started again on the same data and ports: the host
/// answers 503 meanwhile and then finishes every job as if nothing had happened.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class StorageOutageEndToEndTests(EndToEndFixture fixture, ITestOutputHelper output) : IDisposable
{
    static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    readonly string dataFolder = Path.Combine(Path.GetTempPath(), $"sora-e2e-azurite-{Guid.NewGuid():N}");

    /// <summary>What the outage test relies on: a graceful stop saves blobs, queue messages and table rows.</summary>
    [Fact]
    public async Task PersistentAzurite_StoppedAndStartedAgain_KeepsBlobsQueueMessagesAndTableRows()
    {
        await using AzuriteServer storage = await AzuriteServer.StartPersistentAsync(dataFolder);
        BlobContainerClient container = new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient("kept");
        QueueClient queue = new(storage.ConnectionString, "kept");
        TableClient table = new(storage.ConnectionString, "kept");
        await container.CreateAsync();
        await container.UploadBlobAsync("a/b.bin", BinaryData.FromBytes(new byte[70_000]));
        await queue.CreateAsync();
        await queue.SendMessageAsync("hello");
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 42 });
        (int blobPort, int queuePort, int tablePort) = (storage.BlobPort, storage.QueuePort, storage.TablePort);

        // Written just now, well inside Azurite's 5 s autosave interval: only the shutdown's save keeps them.
        await storage.StopAsync();
        Assert.False(storage.IsRunning);
        BlobClientOptions once = new() { Retry = { MaxRetries = 0 } };
        await Assert.ThrowsAsync<Azure.RequestFailedException>(
            () => new BlobServiceClient(storage.ConnectionString, once).GetBlobContainerClient("kept").ExistsAsync());

        await storage.StartAgainAsync();
        Assert.Equal((blobPort, queuePort, tablePort), (storage.BlobPort, storage.QueuePort, storage.TablePort));
        Assert.Equal(70_000, (await container.GetBlobClient("a/b.bin").GetPropertiesAsync()).Value.ContentLength);
        Assert.Equal("hello", (await queue.ReceiveMessageAsync()).Value.MessageText);
        Assert.Equal(42, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task StorageStopped30sMidPoll_StartedAgainOnSameDataAndPorts_EveryJobCompletesOnceWithOneWholeBlob()
    {
        await using AzuriteServer storage = await AzuriteServer.StartPersistentAsync(dataFolder);
        Dictionary<string, string> environment = fixture.HostEnvironment("e2eoutage");
        environment["AzureWebJobsStorage"] = storage.ConnectionString;
        environment["VideoStorage"] = storage.ConnectionString;
        await using LocalHostProcess host = await LocalHostProcess.StartAsync(environment, fixture.Http);
        VideoApiDriver api = new(fixture.Http, host.BaseAddress);

        // Renders that end during the outage, just after it and well after it; each prompt is new to the emulator.
        string run = Guid.NewGuid().ToString("N")[..8];
        (string Prompt, long Bytes)[] jobs =
        [
            ($"a heron lifting off, outage {run} [[render=20]] [[bytes=1500000]]", 1_500_000),
            ($"a train in the snow, outage {run} [[render=35]] [[bytes=2500000]]", 2_500_000),
            ($"fireworks over a harbour, outage {run} [[render=60]] [[bytes=3500000]]", 3_500_000),
        ];
        List<string> ids = [];
        foreach ((string prompt, long _) in jobs)
        {
            ids.Add((string)(await api.SubmitAcceptedAsync(prompt))["id"]!);
        }

        foreach (string id in ids)
        {
            await api.WaitForJobAsync(id, job => VideoApiDriver.Status(job) == "in_progress", "in progress");
        }

        DateTimeOffset stoppedAt = DateTimeOffset.UtcNow;
        await storage.StopAsync();
        var down = Stopwatch.StartNew();

        // Clients keep reading status while storage is down (each read takes a few seconds: the engine's storage
        // client retries before it gives up). Reads still running when storage is back may answer 200.
        using CancellationTokenSource outageOver = new();
        Task<List<string>> reads = ReadStatusUntilAsync(host.BaseAddress, ids, outageOver.Token);
        await Task.Delay(Outage); // the outage itself: a fixed length, not a wait for a state
        await storage.StartAgainAsync();
        await outageOver.CancelAsync();
        var sinceBack = Stopwatch.StartNew();
        DateTimeOffset backAt = DateTimeOffset.UtcNow;
        List<string> answers = await reads;
        output.WriteLine($"Storage down {down.Elapsed.TotalSeconds:F1} s; status reads meanwhile: " +
            string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Key} ×{g.Count()}")));

        Assert.NotEmpty(answers);
        Assert.All(answers, answer => Assert.True(answer is "200" or "503", $"a status read during the outage answered {answer}"));
        Assert.Contains("503", answers);

        List<JsonObject> finished = [];
        foreach (string id in ids)
        {
            try
            {
                finished.Add(await api.WaitForFinishAsync(id, TimeSpan.FromSeconds(120)));
            }
            catch (TimeoutException ex)
            {
                // The host's own account of the job is what explains a job that never finished.
                throw new TimeoutException($"{ex.Message}{Environment.NewLine}{host.RecentOutput}", ex);
            }
        }

        output.WriteLine($"Every job finished {sinceBack.Elapsed.TotalSeconds:F1} s after storage came back.");
        BlobContainerClient videos = new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient("videos");
        BlobInventory blobs = await BlobInventory.ReadAsync(videos);
        for (int i = 0; i < jobs.Length; i++)
        {
            JsonObject done = finished[i];
            Assert.True(VideoApiDriver.Status(done) == "completed", $"{VideoApiDriver.Describe(done)}{Environment.NewLine}{host.RecentOutput}");
            Assert.Equal(1, fixture.Emulator.Stats.CreatesWithPrompt(jobs[i].Prompt));
            BlobItem only = Assert.Single(blobs.Of(ids[i]));
            Assert.Equal((string)done["blob"]!["name"]!, only.Name);
            Assert.Equal(jobs[i].Bytes, only.Properties.ContentLength);
            Assert.Equal(jobs[i].Bytes, (long?)done["bytes"]);
        }

        // The outage landed mid-poll: the first render ended while storage was down, the last after it was back,
        // so the host polled it again after the outage rather than only sweeping up what had finished.
        DateTimeOffset? firstDone = fixture.Emulator.Stats.CompletedAtOf((string)finished[0]["providerVideoId"]!);
        DateTimeOffset? lastDone = fixture.Emulator.Stats.CompletedAtOf((string)finished[^1]["providerVideoId"]!);
        output.WriteLine($"Renders ended {firstDone - stoppedAt} and {lastDone - stoppedAt} after storage stopped (back after {backAt - stoppedAt}).");
        Assert.True(firstDone > stoppedAt && firstDone < backAt, $"the first render ended at {firstDone:O}, storage was down {stoppedAt:O} to {backAt:O}");
        Assert.True(lastDone > backAt, $"the last render ended at {lastDone:O}, before storage was back at {backAt:O}");
        Assert.Equal(jobs.Length, blobs.All.Count);
        Assert.Empty(await BlobInventory.WithUncommittedBlocksAsync(videos, blobs.All));
    }

    /// <summary>Reads each job's status, one after another, until <paramref name="stop"/> (a read under way finishes).</summary>
    async Task<List<string>> ReadStatusUntilAsync(Uri baseAddress, IReadOnlyList<string> ids, CancellationToken stop)
    {
        List<string> answers = [];
        while (!stop.IsCancellationRequested)
        {
            foreach (string id in ids)
            {
                answers.Add(await ReadDuringOutageAsync(baseAddress, id));
            }
        }

        return answers;
    }

    /// <summary>
    /// One status read while storage is down: "200", "503" (only when it is a clean problem answer) or what else
    /// came back, e.g. "500" or "no answer".
    /// </summary>
    async Task<string> ReadDuringOutageAsync(Uri baseAddress, string id)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(20));
        try
        {
            using HttpResponseMessage response = await fixture.Http.GetAsync(new Uri(baseAddress, $"api/videos/{id}"), timeout.Token);
            string body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
                JsonObject problem = JsonNode.Parse(body)!.AsObject();
                Assert.Equal("storage_unavailable", (string?)problem["code"]);
                Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"\bat [\w.`<>]+\.[\w<>`]+\(", body);
            }

            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return $"no answer ({ex.GetType().Name})";
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(dataFolder))
        {
            Directory.Delete(dataFolder, recursive: true);
        }
    }
}
