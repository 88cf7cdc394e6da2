using System.Security.Cryptography;
using System.Text;

namespace SoraFunctions.Limits;

/// <summary>
/// Turns any id (a caller's principal name, a client-chosen job id) into a table key. Keys forbid '/', '\', '#',
/// '?' and control characters, and '%' in keys trips some Table endpoints, so only letters, digits, '-' and '_'
/// pass through; every other UTF-8 byte becomes ".XX". The mapping is one-to-one (a '.' always starts an escape),
/// so two ids never share a row. Ids whose escaped form would be long are hashed (".h-" never comes out of the
/// escaping, since 'h' is not an upper-case hex digit), keeping keys well under the 1 KiB limit.
/// </summary>
public static class TableKeys
{
    const int MaxEscapedLength = 256;

    public static string Escape(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        byte[] bytes = Encoding.UTF8.GetBytes(id);
        var key = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_')
            {
                key.Append((char)b);
            }
            else
            {
                key.Append('.').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            if (key.Length > MaxEscapedLength)
            {
                return ".h-" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
        }

        return key.ToString();
    }
}
