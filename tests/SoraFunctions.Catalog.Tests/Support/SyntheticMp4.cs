using System.Buffers.Binary;
using System.Text;

namespace SoraFunctions.Catalog.Tests.Support;

/// <summary>Builds MP4 boxes byte by byte, for files ffmpeg does not make (64-bit sizes, mvhd version 1).</summary>
static class SyntheticMp4
{
    public static byte[] Box(string type, params byte[][] payloads)
    {
        int length = 8 + payloads.Sum(p => p.Length);
        byte[] box = new byte[length];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)length);
        Encoding.ASCII.GetBytes(type, box.AsSpan(4, 4));
        int offset = 8;
        foreach (byte[] payload in payloads)
        {
            payload.CopyTo(box, offset);
            offset += payload.Length;
        }

        return box;
    }

    /// <summary>The 16-byte header of a box with a 64-bit largesize (size field = 1).</summary>
    public static byte[] LargeBoxHeader(string type, long totalSize)
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(header, 1);
        Encoding.ASCII.GetBytes(type, header.AsSpan(4, 4));
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), (ulong)totalSize);
        return header;
    }

    /// <summary>The 8-byte header of a box whose size field is 0 (it runs to the end of the file).</summary>
    public static byte[] ToEndBoxHeader(string type)
    {
        byte[] header = new byte[8];
        Encoding.ASCII.GetBytes(type, header.AsSpan(4, 4));
        return header;
    }

    public static byte[] Ftyp(string majorBrand = "isom") =>
        Box("ftyp", Encoding.ASCII.GetBytes(majorBrand), new byte[4], Encoding.ASCII.GetBytes("isomiso2avc1mp41"));

    public static byte[] MvhdV0(uint timescale, uint duration)
    {
        byte[] payload = new byte[100];
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(12), timescale);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(16), duration);
        return Box("mvhd", payload);
    }

    public static byte[] MvhdV1(uint timescale, ulong duration)
    {
        byte[] payload = new byte[112];
        payload[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(20), timescale);
        BinaryPrimitives.WriteUInt64BigEndian(payload.AsSpan(24), duration);
        return Box("mvhd", payload);
    }

    /// <summary>A track header with width and height as 16.16 fixed point.</summary>
    public static byte[] Tkhd(byte version, uint widthFixed, uint heightFixed)
    {
        byte[] payload = new byte[version == 1 ? 96 : 84];
        payload[0] = version;
        int sizeOffset = payload.Length - 8;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(sizeOffset), widthFixed);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(sizeOffset + 4), heightFixed);
        return Box("tkhd", payload);
    }

    public static uint Fixed(int value) => (uint)value << 16;

    public static byte[] VideoTrak(int width, int height, byte tkhdVersion = 0) =>
        Box("trak", Tkhd(tkhdVersion, Fixed(width), Fixed(height)), Box("mdia", new byte[24]));

    public static byte[] Moov(params byte[][] children) => Box("moov", children);
}
