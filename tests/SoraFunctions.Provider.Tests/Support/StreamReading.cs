namespace SoraFunctions.Provider.Tests.Support;

public static class StreamReading
{
    /// <summary>Reads a stream to its end in fixed chunks, keeping only the first bytes; returns the total count.</summary>
    public static async Task<(long Total, byte[] Head)> ReadAllAsync(Stream stream, int chunkSize = 81920, int headSize = 16)
    {
        byte[] buffer = new byte[chunkSize];
        byte[] head = new byte[headSize];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            if (total < headSize)
            {
                Array.Copy(buffer, 0, head, (int)total, (int)Math.Min(read, headSize - total));
            }

            total += read;
        }

        return (total, head);
    }
}
