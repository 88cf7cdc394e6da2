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
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    private readonly BlobContainerClient _container = new BlobServiceClient(azurite.Server.ConnectionString).GetBlobContainerClient("videos");
    private readonly TableClient _table = new TableServiceClient(azurite.Server.ConnectionString).GetTableClient("catalog" + Guid.NewGuid().ToString("N"));
    private readonly ListLogger<VideoCatalogConsumer> _logger = new();
    private VideoCatalog _catalog = null!;
    private VideoCatalogConsumer _consumer = null!;

    public async Task InitializeAsync()
    {
        await _container.CreateIfNotExistsAsync();
        _catalog = new VideoCatalog(_table);
        _consumer = new VideoCatalogConsumer(_catalog, new FakeTimeProvider(Now), _logger);
    }

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Fact]
    public async Task HandleAsync_RedeliveredEvent_LeavesExactlyOneRowWithFactsAndMetadata()
    {
        var jobId = "job-" + Guid.NewGuid().ToString("N");
        var blob = await UploadAsync($"2026/11/25/{jobId}.mp4", Samples.Bytes(Samples.Faststart), Metadata(jobId));

        var first = await _consumer.HandleAsync(blob);
        var second = await _consumer.HandleAsync(blob);

        var row = Assert.Single(await AllRowsAsync());
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
        var properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(properties.CreatedOn, first.BlobCreatedAt);
        Assert.Equal(CatalogKeys.RowKey(properties.CreatedOn, jobId), row.RowKey);
        Assert.Equal(CatalogKeys.PartitionKey, row.PartitionKey);
    }

    [Fact]
    public async Task HandleAsync_ValidVideo_LogsInformationWithATemplate()
    {
        var blob = await UploadAsync("2026/11/25/job-log.mp4", Samples.Bytes(Samples.MoovAtEnd), Metadata("job-log"));

        await _consumer.HandleAsync(blob);

        var entry = Assert.Single(_logger.Entries, e => e.Level >= LogLevel.Information);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("Cataloged video {JobId} ({BlobName}): {Width}x{Height}, {DurationSeconds} s, {ByteSize} bytes", entry.Template);
        Assert.Contains("320x176", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_InvalidBlob_RecordsTheProblemAndLogsAWarning()
    {
        var blob = await UploadAsync("2026/11/25/job-bad.mp4", Encoding.UTF8.GetBytes("<html>gateway error</html>"), Metadata("job-bad"));

        var entry = await _consumer.HandleAsync(blob);

        Assert.NotNull(entry);
        var row = VideoCatalog.FromEntity(Assert.Single(await AllRowsAsync()));
        Assert.False(row.IsValidMp4);
        Assert.Equal("Not an MP4: the data does not start with an 'ftyp' box.", row.Problem);
        Assert.Null(row.DurationSeconds);
        Assert.Null(row.Width);
        Assert.Equal("job-bad", row.JobId);
        var warning = Assert.Single(_logger.Entries, e => e.Level >= LogLevel.Information);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("ftyp", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_TruncatedVideo_RecordsTruncation()
    {
        var bytes = Samples.Bytes(Samples.MoovAtEnd);
        var blob = await UploadAsync("2026/11/25/job-cut.mp4", bytes[..(bytes.Length - 100)], Metadata("job-cut"));

        var entry = await _consumer.HandleAsync(blob);

        Assert.NotNull(entry);
        Assert.False(entry.IsValidMp4);
        Assert.Contains("Truncated MP4: box 'moov'", entry.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NoMetadata_TakesJobIdFromTheFileName()
    {
        var blob = await UploadAsync("2026/11/25/job-nometa.mp4", Samples.Bytes(Samples.Faststart), new Dictionary<string, string>());

        var entry = await _consumer.HandleAsync(blob);

        Assert.NotNull(entry);
        Assert.Equal("job-nometa", entry.JobId);
        Assert.Null(entry.Model);
        Assert.Null(entry.Seconds);
    }

    [Fact]
    public async Task HandleAsync_BlobNotEndingInMp4_IsIgnored()
    {
        var blob = await UploadAsync("2026/11/25/job-1.json", Encoding.UTF8.GetBytes("{}"), Metadata("job-1"));

        var entry = await _consumer.HandleAsync(blob);

        Assert.Null(entry);
        Assert.Empty(await AllRowsAsync());
    }

    [Fact]
    public async Task HandleAsync_BlobDeletedBeforeHandling_ReturnsNullAndWritesNothing()
    {
        var blob = _container.GetBlobClient($"2026/11/25/gone-{Guid.NewGuid():N}.mp4");

        var entry = await _consumer.HandleAsync(blob);

        Assert.Null(entry);
        Assert.Empty(await AllRowsAsync());
    }

    [Fact]
    public async Task HandleAsync_BlobClientWithSas_RecordsTheUrlWithoutTheQuery()
    {
        var blob = await UploadAsync("2026/11/25/job-sas.mp4", Samples.Bytes(Samples.Faststart), Metadata("job-sas"));
        var sasUri = blob.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));
        var sasClient = new BlobClient(sasUri);

        var entry = await _consumer.HandleAsync(sasClient);

        Assert.NotNull(entry);
        Assert.True(entry.IsValidMp4, entry.Problem);
        Assert.DoesNotContain("sig=", entry.BlobUrl, StringComparison.Ordinal);
        Assert.Equal(blob.Uri.AbsoluteUri, entry.BlobUrl);
    }

    [Fact]
    public async Task ListAsync_SeveralVideos_ReturnsNewestFirstInPages()
    {
        var start = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
        foreach (var day in new[] { 3, 0, 4, 1, 2 })
        {
            await _catalog.UpsertAsync(Entry($"job-day{day}", start.AddDays(day)));
        }

        var first = await _catalog.ListAsync(2, null);
        var second = await _catalog.ListAsync(2, first.ContinuationToken);
        var third = await _catalog.ListAsync(2, second.ContinuationToken);

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
        var page = await _catalog.ListAsync(10, null);

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task ListAsync_LimitOutOfRange_Throws(int limit)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _catalog.ListAsync(limit, null));
    }

    [Fact]
    public async Task UpsertAsync_SameVideoTwice_ReplacesTheRow()
    {
        var created = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        await _catalog.UpsertAsync(Entry("job-r", created) with { Problem = "first", IsValidMp4 = false });

        await _catalog.UpsertAsync(Entry("job-r", created));

        var row = VideoCatalog.FromEntity(Assert.Single(await AllRowsAsync()));
        Assert.True(row.IsValidMp4);
        Assert.Null(row.Problem);
    }

    private static CatalogEntry Entry(string jobId, DateTimeOffset createdAt) => new()
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

    private static Dictionary<string, string> Metadata(string jobId) => new()
    {
        ["jobid"] = jobId,
        ["providervideoid"] = "video_68d7abc",
        ["model"] = "sora-2",
        ["seconds"] = "4",
        ["size"] = "720x1280",
    };

    private async Task<BlobClient> UploadAsync(string name, byte[] content, IDictionary<string, string> metadata)
    {
        // Names are distinct per test: the container is shared by the whole collection.
        var blob = _container.GetBlobClient(name);
        await blob.UploadAsync(
            BinaryData.FromBytes(content),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "video/mp4" }, Metadata = metadata });
        return blob;
    }

    private async Task<List<TableEntity>> AllRowsAsync()
    {
        await _catalog.EnsureTableAsync();
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
