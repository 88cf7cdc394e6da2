using System.Buffers.Binary;

namespace SoraEmulator.Tests;

/// <summary>Reads HTTP bodies without holding them whole.</summary>
static class Streams
{
    /// <summary>Reads to the end, counting bytes; returns the count and the exception that ended the read early, if any.</summary>
    public static async Task<(long Bytes, Exception? Error)> CountAsync(Stream stream)
    {
        byte[] buffer = new byte[81920];
        long total = 0;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                total += n;
            }

            return (total, null);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (total, ex);
        }
    }

    /// <summary>Walks the top-level MP4 boxes of a stream, skipping box payloads as they arrive; returns (type, size) pairs and the total length.</summary>
    public static async Task<(List<(string Type, long Size)> Boxes, long Length)> TopLevelBoxesAsync(Stream stream)
    {
        var boxes = new List<(string, long)>();
        byte[] buffer = new byte[1024 * 1024];
        long position = 0;
        byte[] header = new byte[16];
        while (true)
        {
            int got = await ReadAtMostAsync(stream, header.AsMemory(0, 8));
            if (got == 0)
            {
                return (boxes, position);
            }

            Assert.Equal(8, got);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            string type = Encoding.ASCII.GetString(header, 4, 4);
            long consumed = 8;
            if (size == 1)
            {
                Assert.Equal(8, await ReadAtMostAsync(stream, header.AsMemory(8, 8)));
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                consumed = 16;
            }

            Assert.True(size >= consumed, $"box {type} at {position} has size {size}");
            boxes.Add((type, size));
            long skip = size - consumed;
            while (skip > 0)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, skip)));
                Assert.True(n > 0, $"stream ended inside box {type}");
                skip -= n;
            }

            position += size;
        }
    }

    static async Task<int> ReadAtMostAsync(Stream stream, Memory<byte> target)
    {
        int total = 0;
        while (total < target.Length)
        {
            int n = await stream.ReadAsync(target[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
