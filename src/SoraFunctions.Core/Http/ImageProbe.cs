using System.Buffers.Binary;

namespace SoraFunctions.Http;

/// <summary>What an uploaded image really is, read from its bytes rather than its declared type.</summary>
public sealed record ImageInfo(string ContentType, string Extension, int Width, int Height)
{
    public string Size => $"{Width}x{Height}";
}

/// <summary>
/// Reads the type and pixel size of a JPEG, PNG or WebP from its header (the Videos API needs the image to match
/// the requested size exactly); anything else, or a header that does not hold together, is not an image.
/// </summary>
public static class ImageProbe
{
    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 24 && data[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && data[12..16].SequenceEqual("IHDR"u8))
        {
            return Valid("image/png", ".png", BinaryPrimitives.ReadInt32BigEndian(data[16..]), BinaryPrimitives.ReadInt32BigEndian(data[20..]));
        }

        if (data.Length >= 4 && data[0] == 0xFF && data[1] == 0xD8)
        {
            return ReadJpeg(data);
        }

        if (data.Length >= 30 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return ReadWebp(data);
        }

        return null;
    }

    static ImageInfo? ReadJpeg(ReadOnlySpan<byte> data)
    {
        int at = 2;
        while (at + 9 < data.Length)
        {
            if (data[at] != 0xFF)
            {
                return null;
            }

            byte marker = data[at + 1];
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2;
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (length < 2)
            {
                return null;
            }

            // Start-of-frame markers carry the size; C4 (Huffman), C8 (reserved) and CC (arithmetic) do not.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return Valid("image/jpeg", ".jpg", BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]));
            }

            at += 2 + length;
        }

        return null;
    }

    static ImageInfo? ReadWebp(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> chunk = data[12..16];
        if (chunk.SequenceEqual("VP8 "u8) && data[23] == 0x9D && data[24] == 0x01 && data[25] == 0x2A)
        {
            return Valid("image/webp", ".webp", BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8) && data[20] == 0x2F)
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return Valid("image/webp", ".webp", (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }

        if (chunk.SequenceEqual("VP8X"u8))
        {
            int width = (data[24] | data[25] << 8 | data[26] << 16) + 1;
            int height = (data[27] | data[28] << 8 | data[29] << 16) + 1;
            return Valid("image/webp", ".webp", width, height);
        }

        return null;
    }

    static ImageInfo? Valid(string contentType, string extension, int width, int height) =>
        width > 0 && height > 0 ? new ImageInfo(contentType, extension, width, height) : null;
}
