using System.Globalization;
using System.Text;

namespace SoraFunctions.Catalog;

/// <summary>
/// Table keys of a catalog row. The same blob always maps to the same keys, so a redelivered event
/// replaces its row instead of adding one; inverted ticks make a plain query return newest first.
/// </summary>
public static class CatalogKeys
{
    /// <summary>The single partition of the catalog.</summary>
    public const string PartitionKey = "videos";

    const int MaxJobIdLength = 512;

    /// <summary><c>{DateTimeOffset.MaxValue.UtcTicks - createdOn.UtcTicks:D19}_{jobId}</c>, with characters that keys forbid replaced.</summary>
    public static string RowKey(DateTimeOffset blobCreatedOn, string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        long inverted = DateTimeOffset.MaxValue.UtcTicks - blobCreatedOn.UtcTicks;
        return string.Create(CultureInfo.InvariantCulture, $"{inverted:D19}_{Sanitize(jobId)}");
    }

    /// <summary>Replaces the characters Azure Tables forbid in keys (<c>/ \ # ?</c> and control characters) with <c>_</c>.</summary>
    internal static string Sanitize(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxJobIdLength));
        foreach (char c in value.AsSpan(0, Math.Min(value.Length, MaxJobIdLength)))
        {
            builder.Append(c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c);
        }

        return builder.ToString();
    }
}
