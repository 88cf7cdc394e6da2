using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Moq;
using SoraFunctions.Catalog.Tests.Support;
using static SoraFunctions.Catalog.Tests.Support.SyntheticMp4;

namespace SoraFunctions.Catalog.Tests;

public sealed class BlobRangeReaderTests
{
    static readonly ETag Version = new("\"0x8DE2C4A1B2C3D4E\"");

    [Fact]
    public async Task Create_SmallFaststartBlob_InspectsWithASingleRequest()
    {
        var blob = new FakeBlob(SparseFile.FromBytes(Samples.Bytes(Samples.Faststart)));

        Mp4Info info = await Mp4Inspector.InspectAsync(blob.File.Length, BlobRangeReader.Create(blob.Client, Version));

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(2), info.Duration);
        (HttpRange Range, ETag? IfMatch) request = Assert.Single(blob.Requests);
        Assert.Equal(new HttpRange(0, BlobRangeReader.DefaultHeadBytes), request.Range);
        Assert.Equal(Version, request.IfMatch);
    }

    [Fact]
    public async Task Create_200MBBlobWithMoovAtTheEnd_RequestsOnlyTheHeadAndTheBoxesAfterMdat()
    {
        const long mdatPayload = 200L * 1024 * 1024;
        byte[] moov = Moov(MvhdV0(1000, 12000), VideoTrak(720, 1280));
        SparseFile file = new SparseFile()
            .Append(Ftyp())
            .Append(LargeBoxHeader("mdat", 16 + mdatPayload))
            .AppendZeros(mdatPayload)
            .Append(moov);
        var blob = new FakeBlob(file);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, BlobRangeReader.Create(blob.Client, Version));

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(12), info.Duration);
        Assert.InRange(blob.Requests.Count, 2, 3);
        Assert.InRange(blob.Requests.Sum(r => r.Range.Length ?? 0), 1, BlobRangeReader.DefaultHeadBytes + moov.Length + 16);
        Assert.All(blob.Requests, r => Assert.Equal(Version, r.IfMatch));
    }

    [Fact]
    public async Task Create_ReadPastTheEnd_ReturnsZero()
    {
        SparseFile file = new SparseFile().AppendZeros(BlobRangeReader.DefaultHeadBytes * 2);
        var blob = new FakeBlob(file);
        ReadAtAsync read = BlobRangeReader.Create(blob.Client);

        int count = await read(file.Length + 10, new byte[16], CancellationToken.None);

        Assert.Equal(0, count);
    }

    [Fact]
    public async Task Create_BlobShorterThanTheHead_AnswersEveryReadFromTheHead()
    {
        var blob = new FakeBlob(SparseFile.FromBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        ReadAtAsync read = BlobRangeReader.Create(blob.Client);
        byte[] buffer = new byte[8];

        int first = await read(0, buffer.AsMemory(0, 4), CancellationToken.None);
        int tail = await read(6, buffer, CancellationToken.None);
        int past = await read(20, buffer, CancellationToken.None);

        Assert.Equal((4, 4, 0), (first, tail, past));
        Assert.Equal(new byte[] { 7, 8, 9, 10 }, buffer[..4]);
        Assert.Single(blob.Requests);
    }

    /// <summary>A BlobClient whose ranged downloads are served from a <see cref="SparseFile"/>, recording every request.</summary>
    sealed class FakeBlob
    {
        public FakeBlob(SparseFile file)
        {
            File = file;
            var mock = new Mock<BlobClient>();
            mock.Setup(b => b.DownloadStreamingAsync(It.IsAny<BlobDownloadOptions>(), It.IsAny<CancellationToken>()))
                .Returns((BlobDownloadOptions options, CancellationToken ct) => DownloadAsync(options, ct));
            Client = mock.Object;
        }

        public SparseFile File { get; }

        public BlobClient Client { get; }

        public List<(HttpRange Range, ETag? IfMatch)> Requests { get; } = [];

        async Task<Response<BlobDownloadStreamingResult>> DownloadAsync(BlobDownloadOptions options, CancellationToken cancellationToken)
        {
            Requests.Add((options.Range, options.Conditions?.IfMatch));
            long offset = options.Range.Offset;
            if (offset >= File.Length)
            {
                throw new RequestFailedException(416, "The range specified is invalid for the current size of the resource.");
            }

            int length = (int)Math.Min(options.Range.Length ?? File.Length - offset, File.Length - offset);
            byte[] bytes = new byte[length];
            await File.ReadAtAsync(offset, bytes, cancellationToken);
            BlobDownloadStreamingResult result = BlobsModelFactory.BlobDownloadStreamingResult(new MemoryStream(bytes), BlobsModelFactory.BlobDownloadDetails());
            return Response.FromValue(result, Mock.Of<Response>());
        }
    }
}
