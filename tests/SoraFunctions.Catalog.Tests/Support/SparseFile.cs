namespace SoraFunctions.Catalog.Tests.Support;

/// <summary>
/// A file of any length made of a few byte segments at given offsets and zeros elsewhere, never allocated
/// whole. Counts every ranged read, so tests can show how little an inspection reads.
/// </summary>
sealed class SparseFile
{
    readonly List<(long Offset, byte[] Data)> segments = [];
    readonly List<(long Offset, int Length)> reads = [];

    public long Length { get; private set; }

    public long BytesRead { get; private set; }

    public IReadOnlyList<(long Offset, int Length)> Reads => reads;

    /// <summary>Appends bytes at the end.</summary>
    public SparseFile Append(byte[] data)
    {
        segments.Add((Length, data));
        Length += data.Length;
        return this;
    }

    /// <summary>Appends <paramref name="count"/> zero bytes without allocating them.</summary>
    public SparseFile AppendZeros(long count)
    {
        Length += count;
        return this;
    }

    /// <summary>A file holding exactly <paramref name="bytes"/>.</summary>
    public static SparseFile FromBytes(byte[] bytes) => new SparseFile().Append(bytes);

    public bool AnyReadTouches(long start, long endExclusive) =>
        reads.Any(r => r.Offset < endExclusive && r.Offset + r.Length > start);

    public ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (offset >= Length)
        {
            return ValueTask.FromResult(0);
        }

        int count = (int)Math.Min(buffer.Length, Length - offset);
        Span<byte> span = buffer.Span[..count];
        span.Clear();
        foreach ((long segmentOffset, byte[]? data) in segments)
        {
            long start = Math.Max(offset, segmentOffset);
            long end = Math.Min(offset + count, segmentOffset + data.Length);
            if (start < end)
            {
                data.AsSpan((int)(start - segmentOffset), (int)(end - start)).CopyTo(span[(int)(start - offset)..]);
            }
        }

        reads.Add((offset, count));
        BytesRead += count;
        return ValueTask.FromResult(count);
    }
}
