namespace SoraFunctions.Catalog;

/// <summary>
/// Reads up to <c>buffer.Length</c> bytes starting at <paramref name="offset"/> of a file or blob.
/// Returns the number of bytes read; fewer than requested only at the end of the data (0 past the end).
/// </summary>
public delegate ValueTask<int> ReadAtAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
