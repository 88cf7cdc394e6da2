using System.Buffers.Binary;

namespace SoraEmulator.Media;

/// <summary>
/// An MP4 of an exact length made while streaming: the clip's header boxes, then one mdat box holding the
/// clip's media data padded with zeros. Up to 4 GiB of mdat the box offsets of the clip stay valid, so the
/// file still plays the clip; larger files use a 64-bit mdat header (structure valid, playback not needed).
/// </summary>
internal sealed class SyntheticMp4
{
    /// <summary>Smallest length any directive may ask for: enough for the largest shipped header and a 64-bit mdat.</summary>
    public const long MinimumLength = 4096;

    private const int ChunkSize = 256 * 1024;
    private static readonly byte[] Zeros = new byte[ChunkSize];

    private readonly MediaClip _clip;

    public SyntheticMp4(MediaClip clip, long length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, MinimumLength);
        _clip = clip;
        Length = length;
    }

    public long Length { get; }

    /// <summary>Writes the first <paramref name="count"/> bytes of the file (the whole file when equal to <see cref="Length"/>).</summary>
    public async Task WriteAsync(Stream destination, long count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Length);
        var header = BuildPrefix();
        var remaining = count;

        remaining -= await WriteSliceAsync(destination, header, remaining, cancellationToken);
        remaining -= await WriteSliceAsync(destination, _clip.MediaData, remaining, cancellationToken);
        while (remaining > 0)
        {
            var n = (int)Math.Min(remaining, ChunkSize);
            await destination.WriteAsync(Zeros.AsMemory(0, n), cancellationToken);
            remaining -= n;
        }
    }

    /// <summary>The header boxes of the clip followed by the mdat box header.</summary>
    private byte[] BuildPrefix()
    {
        var mdatSize = Length - _clip.Header.Length;
        var large = mdatSize > uint.MaxValue;
        var prefix = new byte[_clip.Header.Length + (large ? 16 : 8)];
        _clip.Header.Span.CopyTo(prefix);
        var box = prefix.AsSpan(_clip.Header.Length);
        if (large)
        {
            BinaryPrimitives.WriteUInt32BigEndian(box, 1);
            "mdat"u8.CopyTo(box[4..]);
            BinaryPrimitives.WriteUInt64BigEndian(box[8..], (ulong)mdatSize);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(box, (uint)mdatSize);
            "mdat"u8.CopyTo(box[4..]);
        }

        return prefix;
    }

    private static async Task<long> WriteSliceAsync(Stream destination, ReadOnlyMemory<byte> data, long remaining,
        CancellationToken cancellationToken)
    {
        var n = (int)Math.Min(remaining, data.Length);
        for (var offset = 0; offset < n; offset += ChunkSize)
        {
            await destination.WriteAsync(data.Slice(offset, Math.Min(ChunkSize, n - offset)), cancellationToken);
        }

        return n;
    }
}
