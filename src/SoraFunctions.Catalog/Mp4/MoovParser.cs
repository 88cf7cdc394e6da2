using System.Buffers.Binary;
using System.Globalization;

namespace SoraFunctions.Catalog;

/// <summary>Facts read from a <c>moov</c> payload.</summary>
sealed record MovieFacts(TimeSpan? Duration, int? Width, int? Height, string? Problem);

/// <summary>Walks a <c>moov</c> payload in memory: <c>mvhd</c> and each <c>trak/tkhd</c>.</summary>
static class MoovParser
{
    public static MovieFacts Parse(ReadOnlySpan<byte> moov, int maxBoxes)
    {
        TimeSpan? duration = null;
        bool sawMvhd = false;
        int? width = null;
        int? height = null;
        string? problem = null;
        int boxes = 0;

        foreach (ChildBox child in Children(moov))
        {
            if (++boxes > maxBoxes)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"Malformed MP4: more than {maxBoxes} boxes inside 'moov'.");
                break;
            }

            if (child.Problem is not null)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"Malformed MP4: inside 'moov': {child.Problem}");
                break;
            }

            ReadOnlySpan<byte> payload = moov.Slice(child.PayloadStart, child.PayloadLength);
            if (child.Type == "mvhd" && !sawMvhd)
            {
                sawMvhd = true;
                (TimeSpan? parsed, string? mvhdProblem) = ParseMvhd(payload);
                duration = parsed;
                problem ??= mvhdProblem;
            }
            else if (child.Type == "trak" && width is null)
            {
                foreach (ChildBox trakChild in Children(payload))
                {
                    if (++boxes > maxBoxes || trakChild.Problem is not null)
                    {
                        break;
                    }

                    if (trakChild.Type == "tkhd")
                    {
                        (int Width, int Height)? size = ParseTkhd(payload.Slice(trakChild.PayloadStart, trakChild.PayloadLength));
                        if (size is { Width: > 0, Height: > 0 })
                        {
                            width = size.Value.Width;
                            height = size.Value.Height;
                        }

                        break;
                    }
                }
            }
        }

        if (!sawMvhd)
        {
            problem ??= "Malformed MP4: the 'moov' box has no 'mvhd' (movie header).";
        }

        return new MovieFacts(duration, width, height, problem);
    }

    static (TimeSpan? Duration, string? Problem) ParseMvhd(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            return (null, "Malformed MP4: the 'mvhd' box is too short.");
        }

        byte version = payload[0];
        uint timescale;
        ulong duration;
        bool unknown;
        switch (version)
        {
            case 0 when payload.Length >= 20:
                timescale = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(12, 4));
                uint d32 = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(16, 4));
                duration = d32;
                unknown = d32 == uint.MaxValue;
                break;
            case 1 when payload.Length >= 32:
                timescale = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(20, 4));
                duration = BinaryPrimitives.ReadUInt64BigEndian(payload.Slice(24, 8));
                unknown = duration == ulong.MaxValue;
                break;
            case 0 or 1:
                return (null, "Malformed MP4: the 'mvhd' box is too short.");
            default:
                return (null, string.Create(CultureInfo.InvariantCulture, $"Unsupported MP4: 'mvhd' version {version}."));
        }

        if (timescale == 0)
        {
            return (null, "Malformed MP4: the 'mvhd' timescale is 0.");
        }

        if (unknown)
        {
            return (null, null);
        }

        UInt128 ticks = (UInt128)duration * (ulong)TimeSpan.TicksPerSecond / timescale;
        return ticks > (ulong)TimeSpan.MaxValue.Ticks
            ? (null, "Malformed MP4: the 'mvhd' duration is out of range.")
            : (TimeSpan.FromTicks((long)ticks), null);
    }

    static (int Width, int Height)? ParseTkhd(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 1)
        {
            return null;
        }

        // version+flags, times, track id, reserved, duration, reserved(8), layer, group, volume, reserved, matrix(36).
        int sizeOffset = payload[0] switch
        {
            0 => 4 + 4 + 4 + 4 + 4 + 4 + 8 + 2 + 2 + 2 + 2 + 36,
            1 => 4 + 8 + 8 + 4 + 4 + 8 + 8 + 2 + 2 + 2 + 2 + 36,
            _ => -1,
        };
        if (sizeOffset < 0 || payload.Length < sizeOffset + 8)
        {
            return null;
        }

        uint width = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(sizeOffset, 4));
        uint height = BinaryPrimitives.ReadUInt32BigEndian(payload.Slice(sizeOffset + 4, 4));
        return (FromFixed16(width), FromFixed16(height));
    }

    /// <summary>A 16.16 fixed-point value rounded to the nearest integer.</summary>
    static int FromFixed16(uint value) => (int)((value + 0x8000u) >> 16);

    static List<ChildBox> Children(ReadOnlySpan<byte> parent)
    {
        var children = new List<ChildBox>();
        int offset = 0;
        while (offset < parent.Length)
        {
            int available = parent.Length - offset;
            if (available < 8)
            {
                children.Add(new ChildBox("????", 0, 0, string.Create(CultureInfo.InvariantCulture, $"{available} trailing bytes are too few for a box header.")));
                break;
            }

            var header = Mp4Inspector.BoxHeader.Parse(parent.Slice(offset, Math.Min(16, available)), available);
            if (header.Problem is not null || header.Size > available || header.Size < header.HeaderLength)
            {
                string problem = header.Problem ?? string.Create(
                    CultureInfo.InvariantCulture,
                    $"box '{header.Type}' declares {header.Size} bytes but only {available} remain.");
                children.Add(new ChildBox(header.Type, 0, 0, problem));
                break;
            }

            children.Add(new ChildBox(header.Type, offset + header.HeaderLength, (int)header.Size - header.HeaderLength, null));
            offset += (int)header.Size;
        }

        return children;
    }

    readonly record struct ChildBox(string Type, int PayloadStart, int PayloadLength, string? Problem);
}
