using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SoraFunctions.Catalog;

/// <summary>
/// Reads an MP4's duration and video dimensions from its box structure with a few bounded ranged reads:
/// the header of every top-level box, the <c>ftyp</c> box and the <c>moov</c> box (capped in size).
/// Media data (<c>mdat</c>) is never read, so a multi-gigabyte video costs a few kilobytes.
/// </summary>
public static class Mp4Inspector
{
    const int BoxHeaderBytes = 8;
    const int LargeBoxHeaderBytes = 16;
    const int MaxFtypBytes = 4096;

    /// <summary>Inspects data of <paramref name="length"/> bytes that <paramref name="readAt"/> reads in ranges.</summary>
    public static async ValueTask<Mp4Info> InspectAsync(
        long length,
        ReadAtAsync readAt,
        Mp4InspectorOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readAt);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        options ??= Mp4InspectorOptions.Default;

        if (length < BoxHeaderBytes)
        {
            return Invalid(string.Create(CultureInfo.InvariantCulture, $"Not an MP4: the data is {length} bytes long, too short for a box header."));
        }

        byte[] header = new byte[LargeBoxHeaderBytes];
        string? majorBrand = null;
        MovieFacts? movie = null;
        bool sawMoov = false;
        long offset = 0;
        int boxes = 0;

        while (offset < length)
        {
            if (++boxes > options.MaxTopLevelBoxes)
            {
                return Invalid(string.Create(CultureInfo.InvariantCulture, $"Malformed MP4: more than {options.MaxTopLevelBoxes} top-level boxes."), majorBrand, movie);
            }

            long available = length - offset;
            if (available < BoxHeaderBytes)
            {
                return Invalid(string.Create(CultureInfo.InvariantCulture, $"Truncated MP4: {available} trailing bytes at offset {offset} are too few for a box header."), majorBrand, movie);
            }

            int headerLength = (int)Math.Min(LargeBoxHeaderBytes, available);
            await ReadExactlyAtAsync(readAt, offset, header.AsMemory(0, headerLength), cancellationToken).ConfigureAwait(false);
            var box = BoxHeader.Parse(header.AsSpan(0, headerLength), available);
            string type = box.Type;

            if (boxes == 1 && type != "ftyp")
            {
                return Invalid("Not an MP4: the data does not start with an 'ftyp' box.");
            }

            if (box.Problem is not null)
            {
                return Invalid(string.Create(CultureInfo.InvariantCulture, $"Malformed MP4: box '{type}' at offset {offset}: {box.Problem}"), majorBrand, movie);
            }

            if (box.Size > available)
            {
                return Invalid(
                    string.Create(CultureInfo.InvariantCulture, $"Truncated MP4: box '{type}' at offset {offset} declares {box.Size} bytes but only {available} remain."),
                    majorBrand,
                    movie);
            }

            long payloadOffset = offset + box.HeaderLength;
            long payloadLength = box.Size - box.HeaderLength;

            if (type == "ftyp" && majorBrand is null)
            {
                if (payloadLength < 4 || payloadLength > MaxFtypBytes)
                {
                    return Invalid(string.Create(CultureInfo.InvariantCulture, $"Malformed MP4: 'ftyp' box has an unexpected size of {box.Size} bytes."));
                }

                byte[] brand = new byte[4];
                await ReadExactlyAtAsync(readAt, payloadOffset, brand, cancellationToken).ConfigureAwait(false);
                majorBrand = FourCc(brand);
            }
            else if (type == "moov" && !sawMoov)
            {
                sawMoov = true;
                if (payloadLength > options.MaxMoovBytes)
                {
                    return Invalid(
                        string.Create(CultureInfo.InvariantCulture, $"Unsupported MP4: the 'moov' box is {payloadLength} bytes, more than the {options.MaxMoovBytes} bytes inspected."),
                        majorBrand);
                }

                byte[] moov = new byte[payloadLength];
                await ReadExactlyAtAsync(readAt, payloadOffset, moov, cancellationToken).ConfigureAwait(false);
                movie = MoovParser.Parse(moov, options.MaxMoovBoxes);
            }

            offset += box.Size;
        }

        if (!sawMoov || movie is null)
        {
            return Invalid("Truncated or incomplete MP4: no 'moov' box (the movie header) was found.", majorBrand);
        }

        if (movie.Problem is not null)
        {
            return Invalid(movie.Problem, majorBrand, movie);
        }

        if (movie.Width is null || movie.Height is null)
        {
            return Invalid("Not a video: the MP4 has no track with a picture size.", majorBrand, movie);
        }

        return new Mp4Info
        {
            IsValid = true,
            MajorBrand = majorBrand,
            Duration = movie.Duration,
            Width = movie.Width,
            Height = movie.Height,
        };
    }

    /// <summary>Inspects a seekable stream (a file, a memory stream) through ranged reads.</summary>
    public static ValueTask<Mp4Info> InspectAsync(Stream stream, Mp4InspectorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable.", nameof(stream));
        }

        return InspectAsync(stream.Length, ReadAt, options, cancellationToken);

        async ValueTask<int> ReadAt(long position, Memory<byte> buffer, CancellationToken ct)
        {
            stream.Position = position;
            return await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Inspects a file on disk through ranged reads.</summary>
    public static async ValueTask<Mp4Info> InspectFileAsync(string path, Mp4InspectorOptions? options = null, CancellationToken cancellationToken = default)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        return await InspectAsync(
            RandomAccess.GetLength(handle),
            (position, buffer, ct) => RandomAccess.ReadAsync(handle, buffer, position, ct),
            options,
            cancellationToken).ConfigureAwait(false);
    }

    static Mp4Info Invalid(string problem, string? majorBrand = null, MovieFacts? movie = null) => new()
    {
        IsValid = false,
        Problem = problem,
        MajorBrand = majorBrand,
        Duration = movie?.Duration,
        Width = movie?.Width,
        Height = movie?.Height,
    };

    static async ValueTask ReadExactlyAtAsync(ReadAtAsync readAt, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await readAt(offset + total, buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                throw new EndOfStreamException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The data ended at offset {offset + total} while {buffer.Length - total} more bytes were expected."));
            }

            total += read;
        }
    }

    internal static string FourCc(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            byte b = bytes[i];
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }

        return new string(chars);
    }

    /// <summary>A box header: size (32-bit, 64-bit largesize, or 0 = to the end of its parent) and type.</summary>
    internal readonly record struct BoxHeader(long Size, int HeaderLength, string Type, string? Problem)
    {
        /// <param name="bytes">At least 8 bytes of header; 16 when available.</param>
        /// <param name="available">Bytes from the start of the box to the end of its parent.</param>
        public static BoxHeader Parse(ReadOnlySpan<byte> bytes, long available)
        {
            uint size32 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            string type = FourCc(bytes.Slice(4, 4));
            switch (size32)
            {
                case 0:
                    return new BoxHeader(available, BoxHeaderBytes, type, null);
                case 1:
                    if (bytes.Length < LargeBoxHeaderBytes)
                    {
                        return new BoxHeader(LargeBoxHeaderBytes, LargeBoxHeaderBytes, type, null);
                    }

                    ulong large = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8, 8));
                    if (large < LargeBoxHeaderBytes)
                    {
                        return new BoxHeader(0, LargeBoxHeaderBytes, type, string.Create(CultureInfo.InvariantCulture, $"64-bit size {large} is smaller than its header."));
                    }

                    // Sizes beyond long.MaxValue are reported as running past the end.
                    return new BoxHeader(large > long.MaxValue ? long.MaxValue : (long)large, LargeBoxHeaderBytes, type, null);
                case < BoxHeaderBytes:
                    return new BoxHeader(0, BoxHeaderBytes, type, string.Create(CultureInfo.InvariantCulture, $"size {size32} is smaller than its header."));
                default:
                    return new BoxHeader(size32, BoxHeaderBytes, type, null);
            }
        }
    }
}
