using Microsoft.Extensions.Options;

namespace SoraFunctions.Provider.Runway;

/// <summary>Checks <see cref="RunwayOptions"/> at start-up; every message names the configuration key.</summary>
public sealed class RunwayOptionsValidator : IValidateOptions<RunwayOptions>
{
    public ValidateOptionsResult Validate(string? name, RunwayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        Uri? baseUri = TryGetBaseUri(options.BaseUrl);
        if (baseUri is null)
        {
            failures.Add("Runway:BaseUrl must be an absolute https URL (http only for a loopback address such as the emulator), for example https://api.dev.runwayml.com");
        }
        else if (baseUri.Scheme != Uri.UriSchemeHttps && !baseUri.IsLoopback)
        {
            // The secret travels in every request's Authorization header.
            failures.Add("Runway:BaseUrl must use https unless it is a loopback address");
        }

        ProviderSecrets.RefuseUnresolved("Runway:ApiKey", options.ApiKey, failures);
        if (options.MaxVideoBytes < 1)
        {
            failures.Add("Runway:MaxVideoBytes must be a positive number of bytes");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            if (baseUri is not null && !baseUri.IsLoopback)
            {
                failures.Add($"Runway:ApiKey is required when Runway:BaseUrl is not a loopback address (set Runway:ApiKey or {RunwayOptions.ApiSecretFallbackKey})");
            }
        }
        else if (options.ApiKey.Trim().Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            failures.Add("Runway:ApiKey must not contain spaces or control characters");
        }

        if (string.IsNullOrWhiteSpace(options.ApiVersion) || options.ApiVersion.Any(char.IsControl))
        {
            failures.Add("Runway:ApiVersion is required, for example 2024-11-06");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultModel))
        {
            failures.Add("Runway:DefaultModel is required, for example gen4.5");
        }

        if (RunwayWire.ToRatio(options.DefaultSize) is null)
        {
            failures.Add("Runway:DefaultSize must be WIDTHxHEIGHT in pixels, for example 1280x720");
        }

        if (RunwayWire.ToDuration(options.DefaultSeconds) is null)
        {
            failures.Add("Runway:DefaultSeconds must be a whole number of seconds, for example 5");
        }

        if (options.RequestTimeoutSeconds is < 1 or > 600)
        {
            failures.Add("Runway:RequestTimeoutSeconds must be between 1 and 600");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The base URL as an absolute http(s) URI without a trailing slash, or null when it is not one.</summary>
    internal static Uri? TryGetBaseUri(string? baseUrl) =>
        !string.IsNullOrWhiteSpace(baseUrl)
        && Uri.TryCreate(baseUrl.Trim().TrimEnd('/'), UriKind.Absolute, out Uri? uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host)
        && string.IsNullOrEmpty(uri.Query)
            ? uri
            : null;
}
