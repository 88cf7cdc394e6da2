using System.Buffers.Binary;
using System.Text;
using SoraFunctions.Catalog.Tests.Support;
using static SoraFunctions.Catalog.Tests.Support.SyntheticMp4;

namespace SoraFunctions.Catalog.Tests;

public sealed class Mp4InspectorTests
{
    static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52];

    [Fact]
    public async Task InspectFileAsync_FaststartH264_ReturnsExactDurationAndSize()
    {
        Mp4Info info = await Mp4Inspector.InspectFileAsync(Samples.PathOf(Samples.Faststart));

        Assert.True(info.IsValid, info.Problem);
        Assert.Null(info.Problem);
        Assert.Equal("isom", info.MajorBrand);
        Assert.Equal(TimeSpan.FromSeconds(2), info.Duration);
        Assert.Equal(176, info.Width);
        Assert.Equal(320, info.Height);
    }

    [Theory]
    [InlineData("portrait.mp4", 720, 1280)]
    [InlineData("landscape.mp4", 1280, 720)]
    public async Task InspectFileAsync_EmulatorClips_AreValidFourSecondVideos(string clip, int width, int height)
    {
        Mp4Info info = await Mp4Inspector.InspectFileAsync(SoraFunctions.Testing.RepoPaths.Combine("src", "SoraEmulator", "Media", clip));

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(4), info.Duration);
        Assert.Equal((width, height), (info.Width!.Value, info.Height!.Value));
    }

    [Fact]
    public async Task InspectAsync_MoovAfterMdat_ReadsHeadersButNeverMediaData()
    {
        byte[] bytes = Samples.Bytes(Samples.MoovAtEnd);
        var file = SparseFile.FromBytes(bytes);
        (long mdatStart, long mdatEnd) = FindTopLevelBox(bytes, "mdat");

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(3), info.Duration);
        Assert.Equal(320, info.Width);
        Assert.Equal(176, info.Height);
        Assert.False(file.AnyReadTouches(mdatStart + 16, mdatEnd), "the mdat payload was read");
    }

    [Fact]
    public async Task InspectAsync_SeekableStream_ReturnsSameFactsAsFile()
    {
        await using var stream = new MemoryStream(Samples.Bytes(Samples.MoovAtEnd));

        Mp4Info info = await Mp4Inspector.InspectAsync(stream);

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(3), info.Duration);
        Assert.Equal((320, 176), (info.Width!.Value, info.Height!.Value));
    }

    [Fact]
    public async Task InspectAsync_CutInTheMiddleOfMoov_ReportsTruncatedMoov()
    {
        byte[] bytes = Samples.Bytes(Samples.Faststart);
        (long moovStart, long moovEnd) = FindTopLevelBox(bytes, "moov");
        var cut = SparseFile.FromBytes(bytes[..(int)((moovStart + moovEnd) / 2)]);

        Mp4Info info = await Mp4Inspector.InspectAsync(cut.Length, cut.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("Truncated", info.Problem, StringComparison.Ordinal);
        Assert.Contains("'moov'", info.Problem, StringComparison.Ordinal);
        Assert.Equal("isom", info.MajorBrand);
        Assert.Null(info.Duration);
    }

    [Fact]
    public async Task InspectAsync_CutInTheMiddleOfMdat_ReportsTruncatedMdat()
    {
        byte[] bytes = Samples.Bytes(Samples.MoovAtEnd);
        (long mdatStart, long mdatEnd) = FindTopLevelBox(bytes, "mdat");
        var cut = SparseFile.FromBytes(bytes[..(int)((mdatStart + mdatEnd) / 2)]);

        Mp4Info info = await Mp4Inspector.InspectAsync(cut.Length, cut.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("Truncated", info.Problem, StringComparison.Ordinal);
        Assert.Contains("'mdat'", info.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_NoMoovAtAll_ReportsMissingMovieHeader()
    {
        SparseFile file = new SparseFile().Append(Ftyp()).Append(Box("mdat", new byte[64]));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("no 'moov'", info.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_PngFile_ReportsNotMp4()
    {
        var file = SparseFile.FromBytes([.. PngSignature, .. new byte[200]]);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Equal("Not an MP4: the data does not start with an 'ftyp' box.", info.Problem);
        Assert.Null(info.MajorBrand);
    }

    [Fact]
    public async Task InspectAsync_TextFile_ReportsNotMp4()
    {
        var file = SparseFile.FromBytes(Encoding.UTF8.GetBytes("{\"error\":\"this is JSON, not a video\"}"));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("'ftyp'", info.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public async Task InspectAsync_ShorterThanABoxHeader_ReportsTooShort(int length)
    {
        var file = SparseFile.FromBytes(new byte[length]);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("too short", info.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_LargeSizeMdatOf200MB_ReadsOnlyAFewKilobytes()
    {
        const long mdatPayload = 200L * 1024 * 1024;
        byte[] moov = Moov(MvhdV0(1000, 8000), VideoTrak(1280, 720));
        SparseFile file = new SparseFile()
            .Append(Ftyp("mp42"))
            .Append(LargeBoxHeader("mdat", 16 + mdatPayload))
            .AppendZeros(mdatPayload)
            .Append(moov);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal("mp42", info.MajorBrand);
        Assert.Equal(TimeSpan.FromSeconds(8), info.Duration);
        Assert.Equal((1280, 720), (info.Width!.Value, info.Height!.Value));
        Assert.InRange(file.BytesRead, 1, 4 * 1024);
        Assert.InRange(file.Reads.Count, 1, 8);
    }

    [Fact]
    public async Task InspectAsync_LargeSizeRunningPastTheEnd_ReportsTruncated()
    {
        SparseFile file = new SparseFile()
            .Append(Ftyp())
            .Append(Moov(MvhdV0(1000, 4000), VideoTrak(720, 1280)))
            .Append(LargeBoxHeader("mdat", 16L + (5L * 1024 * 1024 * 1024)))
            .AppendZeros(1024);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("Truncated MP4: box 'mdat'", info.Problem, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(4), info.Duration);
        Assert.Equal(720, info.Width);
    }

    [Fact]
    public async Task InspectAsync_MvhdVersion1_ReturnsExactDuration()
    {
        // 12.5 s at a 90 kHz timescale, with a version-1 track header too.
        SparseFile file = new SparseFile()
            .Append(Ftyp())
            .Append(Moov(MvhdV1(90_000, 1_125_000), VideoTrak(1920, 1080, tkhdVersion: 1)))
            .Append(Box("mdat", new byte[32]));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(12.5), info.Duration);
        Assert.Equal((1920, 1080), (info.Width!.Value, info.Height!.Value));
    }

    [Fact]
    public async Task InspectAsync_LastBoxSizeZero_RunsToTheEndAndIsValid()
    {
        SparseFile file = new SparseFile()
            .Append(Ftyp())
            .Append(Moov(MvhdV0(600, 2400), VideoTrak(720, 1280)))
            .Append(ToEndBoxHeader("mdat"))
            .AppendZeros(10_000);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal(TimeSpan.FromSeconds(4), info.Duration);
        // The 16-byte header read (room for a largesize) may reach 8 bytes into the payload, no further.
        Assert.False(file.AnyReadTouches(file.Length - 10_000 + 8, file.Length), "the mdat payload was read");
    }

    [Fact]
    public async Task InspectAsync_AudioTrackBeforeVideoTrack_TakesTheFirstTrackWithASize()
    {
        byte[] audio = Box("trak", Tkhd(0, 0, 0));
        SparseFile file = new SparseFile()
            .Append(Ftyp())
            .Append(Moov(MvhdV0(1000, 4000), audio, VideoTrak(1280, 720)));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.True(info.IsValid, info.Problem);
        Assert.Equal((1280, 720), (info.Width!.Value, info.Height!.Value));
    }

    [Fact]
    public async Task InspectAsync_FractionalFixedPointSize_RoundsToNearestPixel()
    {
        byte[] trak = Box("trak", Tkhd(0, Fixed(853) + 0xC000, Fixed(480)));
        SparseFile file = new SparseFile().Append(Ftyp()).Append(Moov(MvhdV0(1000, 1000), trak));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.Equal((854, 480), (info.Width!.Value, info.Height!.Value));
    }

    [Fact]
    public async Task InspectAsync_NoTrackWithASize_ReportsNotAVideo()
    {
        SparseFile file = new SparseFile()
            .Append(Ftyp())
            .Append(Moov(MvhdV0(1000, 4000), Box("trak", Tkhd(0, 0, 0))));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("no track with a picture size", info.Problem, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(4), info.Duration);
    }

    [Fact]
    public async Task InspectAsync_MoovWithoutMvhd_ReportsMissingMvhd()
    {
        SparseFile file = new SparseFile().Append(Ftyp()).Append(Moov(VideoTrak(720, 1280)));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("no 'mvhd'", info.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_MvhdTimescaleZero_ReportsMalformed()
    {
        SparseFile file = new SparseFile().Append(Ftyp()).Append(Moov(MvhdV0(0, 4000), VideoTrak(720, 1280)));

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("timescale is 0", info.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_MoovLargerThanTheCap_IsNotRead()
    {
        byte[] moov = Moov(MvhdV0(1000, 4000), VideoTrak(720, 1280), Box("free", new byte[4096]));
        SparseFile file = new SparseFile().Append(Ftyp()).Append(moov);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync, new Mp4InspectorOptions { MaxMoovBytes = 1024 });

        Assert.False(info.IsValid);
        Assert.Contains("more than the 1024 bytes inspected", info.Problem, StringComparison.Ordinal);
        Assert.True(file.BytesRead < 1024, $"read {file.BytesRead} bytes");
    }

    [Fact]
    public async Task InspectAsync_TooManyTopLevelBoxes_StopsAtTheCap()
    {
        SparseFile file = new SparseFile().Append(Ftyp());
        for (int i = 0; i < 50; i++)
        {
            file.Append(Box("free"));
        }

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync, new Mp4InspectorOptions { MaxTopLevelBoxes = 10 });

        Assert.False(info.IsValid);
        Assert.Contains("more than 10 top-level boxes", info.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_BoxSizeSmallerThanItsHeader_ReportsMalformed()
    {
        byte[] bad = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bad, 4);
        Encoding.ASCII.GetBytes("free", bad.AsSpan(4));
        SparseFile file = new SparseFile().Append(Ftyp()).Append(bad).AppendZeros(100);

        Mp4Info info = await Mp4Inspector.InspectAsync(file.Length, file.ReadAtAsync);

        Assert.False(info.IsValid);
        Assert.Contains("Malformed MP4: box 'free'", info.Problem, StringComparison.Ordinal);
    }

    static (long Start, long End) FindTopLevelBox(byte[] bytes, string type)
    {
        long offset = 0;
        while (offset + 8 <= bytes.Length)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset));
            if (Encoding.ASCII.GetString(bytes, (int)offset + 4, 4) == type)
            {
                return (offset, offset + size);
            }

            offset += size;
        }

        throw new InvalidOperationException($"No '{type}' box in the sample.");
    }
}
