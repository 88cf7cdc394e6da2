using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging.Abstractions;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Integration;

/// <summary>The blob store against Azurite: streamed in blocks, committed once, nothing partial visible.</summary>
[Collection(PipelineTestGroup.Name)]
public class VideoBlobStoreTests(PipelineFixture fixture)
{
    const int BlockSize = 1024 * 1024;

    VideoBlobStore Store(string container = PipelineFixture.Container) =>
        new(new BlobServiceClient(fixture.Azurite.ConnectionString), new VideoStorageOptions { Container = container }, NullLogger<VideoBlobStore>.Instance, BlockSize);

    static Dictionary<string, string> Metadata(string jobId) => new() { [BlobMetadataKeys.JobId] = jobId, [BlobMetadataKeys.Model] = "sora-2" };

    [Fact]
    public async Task Store_LargeNonSeekableSource_IsReadIncrementallyAndStagedInBlocks()
    {
        const long size = 40L * BlockSize + 12345;
        var source = new GeneratedStream(size);
        string name = $"large/{Guid.NewGuid():N}.mp4";

        BlobStoreResult result = await Store().StoreAsync(name, Metadata("large-job"), _ => Task.FromResult<(Stream, long?)>((source, size)), default);

        Assert.Equal((size, false), (result.Bytes, result.AlreadyStored));
        Assert.True(source.LargestRead <= BlockSize, $"a read asked for {source.LargestRead} bytes");
        BlockList blocks = (await fixture.Videos.GetBlockBlobClient(name).GetBlockListAsync()).Value;
        Assert.Equal(41, blocks.CommittedBlocks.Count());
        Assert.Empty(blocks.UncommittedBlocks);
        BlobProperties properties = (await fixture.Videos.GetBlobClient(name).GetPropertiesAsync()).Value;
        Assert.Equal((size, "video/mp4", "large-job"), (properties.ContentLength, properties.ContentType, properties.Metadata[BlobMetadataKeys.JobId]));
    }

    [Fact]
    public async Task Store_SourceShorterThanAnnounced_ThrowsAndLeavesNoBlob()
    {
        string name = $"short/{Guid.NewGuid():N}.mp4";

        await Assert.ThrowsAsync<IncompleteDownloadException>(() =>
            Store().StoreAsync(name, Metadata("short-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(3 * BlockSize), 4L * BlockSize)), default));

        Assert.False((await fixture.Videos.GetBlobClient(name).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Store_SourceLongerThanAnnounced_Throws()
    {
        string name = $"long/{Guid.NewGuid():N}.mp4";
        await Assert.ThrowsAsync<IncompleteDownloadException>(() =>
            Store().StoreAsync(name, Metadata("long-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(3 * BlockSize), 100L)), default));
        Assert.False((await fixture.Videos.GetBlobClient(name).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Store_AlreadyStoredByThisJob_DoesNotOpenTheSourceAgain()
    {
        string name = $"again/{Guid.NewGuid():N}.mp4";
        VideoBlobStore store = Store();
        await store.StoreAsync(name, Metadata("again-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(1000), 1000L)), default);
        int opened = 0;

        BlobStoreResult again = await store.StoreAsync(name, Metadata("again-job"), _ =>
        {
            opened++;
            return Task.FromResult<(Stream, long?)>((new GeneratedStream(1000), 1000L));
        }, default);

        Assert.True(again.AlreadyStored);
        Assert.Equal(0, opened);
    }

    [Fact]
    public async Task Store_NameTakenByAnotherJob_Refuses()
    {
        string name = $"taken/{Guid.NewGuid():N}.mp4";
        VideoBlobStore store = Store();
        await store.StoreAsync(name, Metadata("first-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(10), 10L)), default);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.StoreAsync(name, Metadata("other-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(10), 10L)), default));
    }

    [Fact]
    public async Task Store_MissingContainer_IsCreated()
    {
        string container = $"fresh{Guid.NewGuid():N}"[..20];
        BlobStoreResult result = await Store(container).StoreAsync("a.mp4", Metadata("fresh-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(10), null)), default);
        Assert.Equal(10, result.Bytes);
    }

    [Fact]
    public async Task ReadLink_WithAnAccountKey_IsAShortLivedReadOnlySasThatDownloads()
    {
        string name = $"link/{Guid.NewGuid():N}.mp4";
        VideoBlobStore store = Store();
        await store.StoreAsync(name, Metadata("link-job"), _ => Task.FromResult<(Stream, long?)>((new GeneratedStream(2048), 2048L)), default);

        Uri link = (await store.TryCreateReadLinkAsync(name, TimeProvider.System, default))!;

        Assert.Contains("sp=r", link.Query, StringComparison.Ordinal);
        Assert.Contains("se=", link.Query, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal(2048, (await http.GetByteArrayAsync(link)).Length);
        using HttpResponseMessage write = await http.PutAsync(link, new ByteArrayContent([1]));
        Assert.False(write.IsSuccessStatusCode);
    }

    [Theory]
    [InlineData("https://acct.blob.core.windows.net/videos/a.mp4", Azure.Storage.Sas.SasProtocol.Https)]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/videos/a.mp4", Azure.Storage.Sas.SasProtocol.HttpsAndHttp)]
    [InlineData("http://azurite:10000/devstoreaccount1/videos/a.mp4", Azure.Storage.Sas.SasProtocol.HttpsAndHttp)]
    [InlineData("http://acct.blob.core.windows.net/videos/a.mp4", null)]
    public void LinkProtocol_HttpsOnlyUnlessLoopbackOrAzurite(string blobUri, Azure.Storage.Sas.SasProtocol? expected)
    {
        Assert.Equal(expected, VideoBlobStore.LinkProtocol(new Uri(blobUri)));
    }

    [Fact]
    public async Task ReadLink_OverHttpsAccount_CarriesSprHttps()
    {
        var service = new BlobServiceClient(
            new Uri("https://acct.blob.core.windows.net"),
            new Azure.Storage.StorageSharedKeyCredential("acct", Convert.ToBase64String(new byte[32])));
        var store = new VideoBlobStore(service, new VideoStorageOptions { Container = "videos" }, NullLogger<VideoBlobStore>.Instance, BlockSize);

        Uri link = (await store.TryCreateReadLinkAsync("2026/11/30/a.mp4", TimeProvider.System, default))!;

        Assert.Contains("spr=https&", link.Query + "&", StringComparison.Ordinal);
    }

    /// <summary>A non-seekable stream of generated bytes that records the largest read it was asked for.</summary>
    sealed class GeneratedStream(long length) : Stream
    {
        long position;

        public int LargestRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            LargestRead = Math.Max(LargestRead, buffer.Length);
            int n = (int)Math.Min(buffer.Length, length - position);
            for (int i = 0; i < n; i++)
            {
                buffer[i] = (byte)((position + i) % 251);
            }

            position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
