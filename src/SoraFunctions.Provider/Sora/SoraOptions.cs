using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.Provider.Sora;

/// <summary>
/// Settings of the Sora Videos API client, bound from the configuration section <c>Sora</c>
/// (environment variables <c>Sora__BaseUrl</c>, <c>Sora__ApiKey</c>, ...).
/// </summary>
public sealed class SoraOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Sora";

    /// <summary>The configuration key read when <see cref="ApiKey"/> is unset or blank.</summary>
    public const string OpenAIApiKeyFallbackKey = "OPENAI_API_KEY";

    /// <summary>Base URL of the Videos API, for example <c>https://api.openai.com/v1</c>,
    /// <c>https://{resource}.openai.azure.com/openai/v1</c> or the emulator's <c>http://127.0.0.1:{port}/v1</c>.</summary>
    [Required(ErrorMessage = "Sora:BaseUrl is required")]
    public string BaseUrl { get; set; } = "https://api.openai.com/v1";

    /// <summary>The provider key; falls back to <c>OPENAI_API_KEY</c>. Not needed for a loopback provider or Entra ID.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How requests are authenticated.</summary>
    public SoraAuthMode AuthMode { get; set; } = SoraAuthMode.Bearer;

    /// <summary>The token scope requested when <see cref="AuthMode"/> is <see cref="SoraAuthMode.EntraId"/>.</summary>
    public string EntraScope { get; set; } = "https://cognitiveservices.azure.com/.default";

    /// <summary>Client id of a user-assigned managed identity (Entra ID mode); the default credential chain when unset.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Model used when a request names none.</summary>
    [Required(ErrorMessage = "Sora:DefaultModel is required")]
    public string DefaultModel { get; set; } = "sora-2";

    /// <summary>Clip length (seconds, as a string) used when a request names none.</summary>
    [Required(ErrorMessage = "Sora:DefaultSeconds is required")]
    public string DefaultSeconds { get; set; } = "4";

    /// <summary>Frame size (<c>WIDTHxHEIGHT</c>) used when a request names none.</summary>
    [Required(ErrorMessage = "Sora:DefaultSize is required")]
    public string DefaultSize { get; set; } = "720x1280";

    /// <summary>Time limit of one API call (and of the wait for a download's headers, and of each read of its body).</summary>
    [Range(1, 600, ErrorMessage = "Sora:RequestTimeoutSeconds must be between 1 and 600")]
    public int RequestTimeoutSeconds { get; set; } = 100;

    /// <summary>
    /// The signing secret (<c>whsec_…</c>) of the provider's webhooks (<c>video.completed</c>, <c>video.failed</c>,
    /// Standard Webhooks). When set, <c>POST /api/webhooks/sora</c> accepts signed events and wakes the job at
    /// once instead of at its next status check; when empty, that endpoint is off and jobs rely on polling.
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// The largest video a download may bring (checked against <c>Content-Length</c> before reading, and counted while
    /// streaming when there is none); a larger one fails the job without retries.
    /// </summary>
    public long MaxVideoBytes { get; set; } = ProviderDownloads.DefaultMaxVideoBytes;

    /// <summary>
    /// Hosts a content redirect may lead to (for example a CDN's), besides the provider's own; empty: any https host.
    /// </summary>
    public IList<string> ContentHosts { get; } = [];
}

/// <summary>How the Sora client authenticates.</summary>
public enum SoraAuthMode
{
    /// <summary><c>Authorization: Bearer {key}</c> (OpenAI, most gateways, Azure OpenAI v1 with a key).</summary>
    Bearer,

    /// <summary><c>api-key: {key}</c> and no <c>Authorization</c> header (Azure OpenAI keys, some gateways).</summary>
    ApiKeyHeader,

    /// <summary>A Microsoft Entra ID bearer token for <see cref="SoraOptions.EntraScope"/> (managed identity or the default credential chain).</summary>
    EntraId,
}
