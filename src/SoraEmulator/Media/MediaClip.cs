using System.Buffers.Binary;

namespace SoraEmulator.Media;

/// <summary>An MP4 held in memory, split into its header boxes (everything before <c>mdat</c>) and media data.</summary>
sealed class MediaClip
{
    public MediaClip(ReadOnlyMemory<byte> file)
    {
        File = file;
        ReadOnlySpan<byte> span = file.Span;
        int offset = 0;
        while (offset + 8 <= span.Length)
        {
            long size = (long)BinaryPrimitives.ReadUInt32BigEndian(span[offset..]);
            int headerLength = 8;
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(span[(offset + 8)..]);
                headerLength = 16;
            }
            else if (size == 0)
            {
                size = span.Length - offset;
            }

            if (span.Slice(offset + 4, 4).SequenceEqual("mdat"u8))
            {
                Header = file[..offset];
                MediaData = file.Slice(offset + headerLength, (int)size - headerLength);
                return;
            }

            if (size < 8)
            {
                break;
            }

            offset += (int)size;
        }

        throw new InvalidDataException("The embedded MP4 has no mdat box.");
    }

    /// <summary>The whole file.</summary>
    public ReadOnlyMemory<byte> File { get; }

    /// <summary>ftyp, moov and any other boxes before mdat (the clip is faststart).</summary>
    public ReadOnlyMemory<byte> Header { get; }

    /// <summary>The payload of the mdat box.</summary>
    public ReadOnlyMemory<byte> MediaData { get; }
}
