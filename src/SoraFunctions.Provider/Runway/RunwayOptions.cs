namespace SoraFunctions.Provider.Runway;

/// <summary>
/// Settings of the Runway task API client, bound from the configuration section <c>Runway</c>
/// (environment variables <c>Runway__BaseUrl</c>, <c>Runway__ApiKey</c>, ...). Checked by <see cref="RunwayOptionsValidator"/>.
/// </summary>
public sealed class RunwayOptions
{
    public const string SectionName = "Runway";

    /// <summary>The configuration key read when <see cref="ApiKey"/> is unset or blank (the name Runway's SDKs read).</summary>
    public const string ApiSecretFallbackKey = "RUNWAYML_API_SECRET";

    /// <summary>The API host without a path, for example <c>https://api.dev.runwayml.com</c> or the emulator's <c>http://127.0.0.1:{port}</c>.</summary>
    public string BaseUrl { get; set; } = "https://api.dev.runwayml.com";

    /// <summary>The API secret; falls back to <c>RUNWAYML_API_SECRET</c>. Not needed for a loopback base URL.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Sent as <c>X-Runway-Version</c>: the API answers in the shapes of this dated version.</summary>
    public string ApiVersion { get; set; } = "2024-11-06";

    public string DefaultModel { get; set; } = "gen4.5";

    /// <summary>Clip length in whole seconds, as a string like the public API (sent to Runway as an integer <c>duration</c>).</summary>
    public string DefaultSeconds { get; set; } = "5";

    /// <summary>Frame size as <c>WIDTHxHEIGHT</c> like the public API (sent to Runway as the ratio <c>WIDTH:HEIGHT</c>).</summary>
    public string DefaultSize { get; set; } = "1280x720";

    /// <summary>Time limit of one API call, of the wait for a download's headers and of each read of its body.</summary>
    public int RequestTimeoutSeconds { get; set; } = 100;

    /// <summary>The largest output a download may bring (see <see cref="Sora.SoraOptions.MaxVideoBytes"/>).</summary>
    public long MaxVideoBytes { get; set; } = ProviderDownloads.DefaultMaxVideoBytes;
}
