using System.Buffers.Binary;

namespace SoraEmulator.Media;

/// <summary>
/// An MP4 of an exact length made while streaming: the clip's header boxes, then one mdat box holding the
/// clip's media data padded with zeros. Up to 4 GiB of mdat the box offsets of the clip stay valid, so the
/// file still plays the clip; larger files use a 64-bit mdat header (structure valid, playback not needed).
/// </summary>
sealed class SyntheticMp4
{
    /// <summary>Smallest length any directive may ask for: enough for the largest shipped header and a 64-bit mdat.</summary>
    public const long MinimumLength = 4096;

    const int ChunkSize = 256 * 1024;
    static readonly byte[] Zeros = new byte[ChunkSize];

    readonly MediaClip clip;

    public SyntheticMp4(MediaClip clip, long length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, MinimumLength);
        this.clip = clip;
        Length = length;
    }

    public long Length { get; }

    /// <summary>Writes the first <paramref name="count"/> bytes of the file (the whole file when equal to <see cref="Length"/>).</summary>
    public async Task WriteAsync(Stream destination, long count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Length);
        byte[] header = BuildPrefix();
        long remaining = count;

        remaining -= await WriteSliceAsync(destination, header, remaining, cancellationToken);
        remaining -= await WriteSliceAsync(destination, clip.MediaData, remaining, cancellationToken);
        while (remaining > 0)
        {
            int n = (int)Math.Min(remaining, ChunkSize);
            await destination.WriteAsync(Zeros.AsMemory(0, n), cancellationToken);
            remaining -= n;
        }
    }

    /// <summary>The header boxes of the clip followed by the mdat box header.</summary>
    byte[] BuildPrefix()
    {
        long mdatSize = Length - clip.Header.Length;
        bool large = mdatSize > uint.MaxValue;
        byte[] prefix = new byte[clip.Header.Length + (large ? 16 : 8)];
        clip.Header.Span.CopyTo(prefix);
        Span<byte> box = prefix.AsSpan(clip.Header.Length);
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

    static async Task<long> WriteSliceAsync(Stream destination, ReadOnlyMemory<byte> data, long remaining,
        CancellationToken cancellationToken)
    {
        int n = (int)Math.Min(remaining, data.Length);
        for (int offset = 0; offset < n; offset += ChunkSize)
        {
            await destination.WriteAsync(data.Slice(offset, Math.Min(ChunkSize, n - offset)), cancellationToken);
        }

        return n;
    }
}
