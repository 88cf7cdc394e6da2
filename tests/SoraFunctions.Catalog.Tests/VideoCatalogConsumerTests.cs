using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SoraFunctions.Catalog.Tests.Support;
using SoraFunctions.Testing;

namespace SoraFunctions.Catalog.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class VideoCatalogConsumerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    static readonly DateTimeOffset Now = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    readonly BlobContainerClient container = new BlobServiceClient(azurite.Server.ConnectionString).GetBlobContainerClient("videos");
    readonly TableClient table = new TableServiceClient(azurite.Server.ConnectionString).GetTableClient("catalog" + Guid.NewGuid().ToString("N"));
    readonly ListLogger<VideoCatalogConsumer> logger = new();
    VideoCatalog catalog = null!;
    VideoCatalogConsumer consumer = null!;

    public async Task InitializeAsync()
    {
        await container.CreateIfNotExistsAsync();
        catalog = new VideoCatalog(table);
        consumer = new VideoCatalogConsumer(catalog, new FakeTimeProvider(Now), logger);
    }

    public async Task DisposeAsync() => await table.DeleteAsync();

    [Fact]
    public async Task HandleAsync_RedeliveredEvent_LeavesExactlyOneRowWithFactsAndMetadata()
    {
        string jobId = "job-" + Guid.NewGuid().ToString("N");
        BlobClient blob = await UploadAsync($"2026/11/25/{jobId}.mp4", Samples.Bytes(Samples.Faststart), Metadata(jobId));

        CatalogEntry? first = await consumer.HandleAsync(blob);
        CatalogEntry? second = await consumer.HandleAsync(blob);

        TableEntity row = Assert.Single(await AllRowsAsync());
        Assert.Equal(first, second);
        Assert.Equal(first, VideoCatalog.FromEntity(row));
        Assert.NotNull(first);
        Assert.True(first.IsValidMp4, first.Problem);
        Assert.Null(first.Problem);
        Assert.Equal(jobId, first.JobId);
        Assert.Equal($"2026/11/25/{jobId}.mp4", first.BlobName);
        Assert.Equal("videos", first.Container);
        Assert.Equal(blob.Uri.AbsoluteUri, first.BlobUrl);
        Assert.Equal(Samples.Bytes(Samples.Faststart).Length, first.ByteSize);
        Assert.Equal("video/mp4", first.ContentType);
        Assert.Equal(2.0, first.DurationSeconds);
        Assert.Equal((176, 320), (first.Width!.Value, first.Height!.Value));
        Assert.Equal("sora-2", first.Model);
        Assert.Equal(4, first.Seconds);
        Assert.Equal("720x1280", first.Size);
        Assert.Equal("video_68d7abc", first.ProviderVideoId);
        Assert.Equal(Now, first.CatalogedAt);
        BlobProperties properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(properties.CreatedOn, first.BlobCreatedAt);
        Assert.Equal(CatalogKeys.RowKey(properties.CreatedOn, jobId), row.RowKey);
        Assert.Equal(CatalogKeys.PartitionKey, row.PartitionKey);
    }

    [Fact]
    public async Task HandleAsync_ValidVideo_LogsInformationWithATemplate()
    {
        BlobClient blob = await UploadAsync("2026/11/25/job-log.mp4", Samples.Bytes(Samples.MoovAtEnd), Metadata("job-log"));

        await consumer.HandleAsync(blob);

        (LogLevel Level, string Message, string? Template) entry = Assert.Single(logger.Entries, e => e.Level >= LogLevel.Information);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("Cataloged video {JobId} ({BlobName}): {Width}x{Height}, {DurationSeconds} s, {ByteSize} bytes", entry.Template);
        Assert.Contains("320x176", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_InvalidBlob_RecordsTheProblemAndLogsAWarning()
    {
        BlobClient blob = await UploadAsync("2026/11/25/job-bad.mp4", Encoding.UTF8.GetBytes("<html>gateway error</html>"), Metadata("job-bad"));

        CatalogEntry? entry = await consumer.HandleAsync(blob);

        Assert.NotNull(entry);
        CatalogEntry row = VideoCatalog.FromEntity(Assert.Single(await AllRowsAsync()));
        Assert.False(row.IsValidMp4);
        Assert.Equal("Not an MP4: the data does not start with an 'ftyp' box.", row.Problem);
        Assert.Null(row.DurationSeconds);
        Assert.Null(row.Width);
        Assert.Equal("job-bad", row.JobId);
        (LogLevel Level, string Message, string? Template) warning = Assert.Single(logger.Entries, e => e.Level >= LogLevel.Information);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("ftyp", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_TruncatedVideo_RecordsTruncation()
    {
        byte[] bytes = Samples.Bytes(Samples.MoovAtEnd);
        BlobClient blob = await UploadAsync("2026/11/25/job-cut.mp4", bytes[..(bytes.Length - 100)], Metadata("job-cut"));

        CatalogEntry? entry = await consumer.HandleAsync(blob);

        Assert.NotNull(entry);
        Assert.False(entry.IsValidMp4);
        Assert.Contains("Truncated MP4: box 'moov'", entry.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NoMetadata_TakesJobIdFromTheFileName()
    {
        BlobClient blob = await UploadAsync("2026/11/25/job-nometa.mp4", Samples.Bytes(Samples.Faststart), new Dictionary<string, string>());

        CatalogEntry? entry = await consumer.HandleAsync(blob);

        Assert.NotNull(entry);
        Assert.Equal("job-nometa", entry.JobId);
        Assert.Null(entry.Model);
        Assert.Null(entry.Seconds);
    }

    [Fact]
    public async Task HandleAsync_BlobNotEndingInMp4_IsIgnored()
    {
        BlobClient blob = await UploadAsync("2026/11/25/job-1.json", Encoding.UTF8.GetBytes("{}"), Metadata("job-1"));

        CatalogEntry? entry = await consumer.HandleAsync(blob);

        Assert.Null(entry);
        Assert.Empty(await AllRowsAsync());
    }

    [Fact]
    public async Task HandleAsync_BlobDeletedBeforeHandling_ReturnsNullAndWritesNothing()
    {
        BlobClient blob = container.GetBlobClient($"2026/11/25/gone-{Guid.NewGuid():N}.mp4");

        CatalogEntry? entry = await consumer.HandleAsync(blob);

        Assert.Null(entry);
        Assert.Empty(await AllRowsAsync());
    }

    [Fact]
    public async Task HandleAsync_BlobClientWithSas_RecordsTheUrlWithoutTheQuery()
    {
        BlobClient blob = await UploadAsync("2026/11/25/job-sas.mp4", Samples.Bytes(Samples.Faststart), Metadata("job-sas"));
        Uri sasUri = blob.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));
        var sasClient = new BlobClient(sasUri);

        CatalogEntry? entry = await consumer.HandleAsync(sasClient);

        Assert.NotNull(entry);
        Assert.True(entry.IsValidMp4, entry.Problem);
        Assert.DoesNotContain("sig=", entry.BlobUrl, StringComparison.Ordinal);
        Assert.Equal(blob.Uri.AbsoluteUri, entry.BlobUrl);
    }

    [Fact]
    public async Task ListAsync_SeveralVideos_ReturnsNewestFirstInPages()
    {
        var start = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
        foreach (int day in new[] { 3, 0, 4, 1, 2 })
        {
            await catalog.UpsertAsync(Entry($"job-day{day}", start.AddDays(day)));
        }

        CatalogPage first = await catalog.ListAsync(2, null);
        CatalogPage second = await catalog.ListAsync(2, first.ContinuationToken);
        CatalogPage third = await catalog.ListAsync(2, second.ContinuationToken);

        Assert.Equal(["job-day4", "job-day3"], first.Items.Select(e => e.JobId));
        Assert.Equal(["job-day2", "job-day1"], second.Items.Select(e => e.JobId));
        Assert.Equal(["job-day0"], third.Items.Select(e => e.JobId));
        Assert.NotNull(first.ContinuationToken);
        Assert.NotNull(second.ContinuationToken);
        Assert.Null(third.ContinuationToken);
    }

    [Fact]
    public async Task ListAsync_EmptyCatalog_ReturnsNoItemsAndNoToken()
    {
        CatalogPage page = await catalog.ListAsync(10, null);

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task ListAsync_LimitOutOfRange_Throws(int limit)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => catalog.ListAsync(limit, null));
    }

    [Fact]
    public async Task UpsertAsync_SameVideoTwice_ReplacesTheRow()
    {
        var created = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        await catalog.UpsertAsync(Entry("job-r", created) with { Problem = "first", IsValidMp4 = false });

        await catalog.UpsertAsync(Entry("job-r", created));

        CatalogEntry row = VideoCatalog.FromEntity(Assert.Single(await AllRowsAsync()));
        Assert.True(row.IsValidMp4);
        Assert.Null(row.Problem);
    }

    static CatalogEntry Entry(string jobId, DateTimeOffset createdAt) => new()
    {
        JobId = jobId,
        BlobName = $"{createdAt:yyyy/MM/dd}/{jobId}.mp4",
        BlobUrl = $"http://127.0.0.1/devstoreaccount1/videos/{createdAt:yyyy/MM/dd}/{jobId}.mp4",
        Container = "videos",
        ByteSize = 1000,
        ContentType = "video/mp4",
        DurationSeconds = 4,
        Width = 720,
        Height = 1280,
        IsValidMp4 = true,
        BlobCreatedAt = createdAt,
        CatalogedAt = Now,
    };

    static Dictionary<string, string> Metadata(string jobId) => new()
    {
        ["jobid"] = jobId,
        ["providervideoid"] = "video_68d7abc",
        ["model"] = "sora-2",
        ["seconds"] = "4",
        ["size"] = "720x1280",
    };

    async Task<BlobClient> UploadAsync(string name, byte[] content, IDictionary<string, string> metadata)
    {
        // Names are distinct per test: the container is shared by the whole collection.
        BlobClient blob = container.GetBlobClient(name);
        await blob.UploadAsync(
            BinaryData.FromBytes(content),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "video/mp4" }, Metadata = metadata });
        return blob;
    }

    async Task<List<TableEntity>> AllRowsAsync()
    {
        await catalog.EnsureTableAsync();
        var rows = new List<TableEntity>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
