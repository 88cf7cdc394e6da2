using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SoraEmulator.Webhooks;

/// <summary>Standard Webhooks signatures: <c>v1,</c> + base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>.</summary>
static class WebhookSigner
{
    const string Prefix = "whsec_";

    /// <summary>The key bytes of a <c>whsec_&lt;base64&gt;</c> secret; null when it is not one.</summary>
    public static byte[]? TryReadSecret(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            byte[] key = Convert.FromBase64String(secret[Prefix.Length..]);
            return key.Length > 0 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Sign(byte[] key, string id, long timestamp, string body)
    {
        string content = string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(content)));
    }
}
