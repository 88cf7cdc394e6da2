using System.Globalization;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Provider.Sora;

/// <summary>
/// Checks <see cref="SoraOptions"/> beyond data annotations; every message names the configuration key.
/// </summary>
public sealed class SoraOptionsValidator : IValidateOptions<SoraOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SoraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        Uri? baseUri = TryGetBaseUri(options.BaseUrl);
        if (baseUri is null)
        {
            failures.Add("Sora:BaseUrl must be an absolute http or https URL");
        }
        else if (baseUri.Scheme != Uri.UriSchemeHttps && !baseUri.IsLoopback)
        {
            // The key (or token) travels in every request's headers.
            failures.Add("Sora:BaseUrl must use https unless it is a loopback address (http is allowed only for a local provider such as the emulator)");
        }

        ProviderSecrets.RefuseUnresolved("Sora:ApiKey", options.ApiKey, failures);
        ProviderSecrets.RefuseUnresolved("Sora:WebhookSecret", options.WebhookSecret, failures);
        if (options.MaxVideoBytes < 1)
        {
            failures.Add("Sora:MaxVideoBytes must be a positive number of bytes");
        }

        for (int i = 0; i < options.ContentHosts.Count; i++)
        {
            string host = options.ContentHosts[i];
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Unknown)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"Sora:ContentHosts:{i} must be a host name, for example videos.example.com"));
            }
        }

        if (!IsSize(options.DefaultSize))
        {
            failures.Add("Sora:DefaultSize must be WIDTHxHEIGHT in pixels, for example 720x1280");
        }

        if (!IsWholeSeconds(options.DefaultSeconds))
        {
            failures.Add("Sora:DefaultSeconds must be a whole number of seconds, for example 4");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultModel))
        {
            failures.Add("Sora:DefaultModel is required");
        }

        if (options.RequestTimeoutSeconds is < 1 or > 600)
        {
            failures.Add("Sora:RequestTimeoutSeconds must be between 1 and 600");
        }

        switch (options.AuthMode)
        {
            case SoraAuthMode.Bearer:
            case SoraAuthMode.ApiKeyHeader:
                if (string.IsNullOrWhiteSpace(options.ApiKey) && baseUri is not null && !baseUri.IsLoopback)
                {
                    failures.Add(
                        $"Sora:ApiKey is required when Sora:AuthMode is {options.AuthMode} and Sora:BaseUrl is not a loopback address (set Sora:ApiKey or {SoraOptions.OpenAIApiKeyFallbackKey})");
                }

                break;
            case SoraAuthMode.EntraId:
                if (string.IsNullOrWhiteSpace(options.EntraScope))
                {
                    failures.Add("Sora:EntraScope is required when Sora:AuthMode is EntraId");
                }

                break;
            default:
                failures.Add("Sora:AuthMode must be Bearer, ApiKeyHeader or EntraId");
                break;
        }

        if (!string.IsNullOrEmpty(options.WebhookSecret) && !ProviderSecrets.IsUnresolved(options.WebhookSecret) && !IsWebhookSecret(options.WebhookSecret))
        {
            failures.Add("Sora:WebhookSecret must be a Standard Webhooks secret: 'whsec_' followed by base64");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    static bool IsWebhookSecret(string value)
    {
        const string Prefix = "whsec_";
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[value.Length];
        return Convert.TryFromBase64String(value[Prefix.Length..], decoded, out int written) && written >= 16;
    }

    /// <summary>The base URL as an absolute http(s) URI without a trailing slash, or null when it is not one.</summary>
    internal static Uri? TryGetBaseUri(string? baseUrl)
    {
        if (string.IsNullOrWhiteSpace(baseUrl)
            || !Uri.TryCreate(baseUrl.Trim().TrimEnd('/'), UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            return null;
        }

        return uri;
    }

    static bool IsSize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        string[] parts = value.Split('x');
        return parts.Length == 2 && parts.All(p => p.Length is > 0 and <= 5 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) > 0);
    }

    static bool IsWholeSeconds(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && value.Length <= 4
        && value.All(char.IsAsciiDigit)
        && int.Parse(value, CultureInfo.InvariantCulture) > 0;
}
