using SoraFunctions.Providers;

namespace SoraFunctions.Provider;

/// <summary>The size cap of provider downloads, the same for every adapter.</summary>
public static class ProviderDownloads
{
    /// <summary>4 GiB: far above any clip the providers make today, far below what would fill a disk or a blob by mistake.</summary>
    public const long DefaultMaxVideoBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// The content with the cap applied: a failure before reading when the announced length is over it, else a
    /// stream that fails the read going past it.
    /// </summary>
    public static async Task<ProviderResult<ProviderContent>> CapAsync(ProviderContent content, long maxBytes, string provider)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Length > maxBytes)
        {
            await content.DisposeAsync();
            return ProviderResult<ProviderContent>.Failure(new ProviderError
            {
                Transient = false,
                Code = "video_too_large",
                Message = $"The {provider} video is {content.Length} bytes, over the limit of {maxBytes} ({provider}:MaxVideoBytes).",
            });
        }

        return ProviderResult<ProviderContent>.Success(new ProviderContent(new SizeCappedStream(content.Stream, maxBytes), content.Length, content));
    }
}

/// <summary>Checks of provider secrets read from app settings.</summary>
public static class ProviderSecrets
{
    const string KeyVaultReference = "@Microsoft.KeyVault(";

    /// <summary>True for a value that is still an App Service Key Vault reference: the platform could not resolve it.</summary>
    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith(KeyVaultReference, StringComparison.OrdinalIgnoreCase);

    public static void RefuseUnresolved(string key, string? value, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (IsUnresolved(value))
        {
            failures.Add(
                $"{key} is an unresolved Key Vault reference: the app's identity cannot read the secret (grant it 'Key Vault Secrets User' on the vault, check the secret's name and the vault's network rules, then restart)");
        }
    }
}
