using SoraFunctions.Provider;

namespace SoraFunctions.LocalHost.Hosting;

/// <summary>
/// What the local host starts besides itself, decided from configuration: the bundled emulator unless the selected
/// provider (<c>Provider</c>, <c>Sora</c> by default) is named (Sora: <c>Sora__BaseUrl</c>, <c>Sora__ApiKey</c> or
/// <c>OPENAI_API_KEY</c>; Runway: <c>Runway__BaseUrl</c>, <c>Runway__ApiKey</c> or <c>RUNWAYML_API_SECRET</c>), and
/// Azurite unless storage is named (<c>AzureWebJobsStorage</c> or <c>VideoStorage</c>, as a connection string or
/// identity-based).
/// </summary>
public sealed record LocalInfrastructurePlan(bool StartEmulator, bool StartAzurite, string Provider = VideoProviderRegistration.DefaultProvider)
{
    /// <summary>What the emulator's clients send as a key: it checks none unless told to, but a client may want one to send.</summary>
    public const string EmulatorApiKey = "local-emulator";

    /// <summary>Reads the plan from the app's configuration.</summary>
    public static LocalInfrastructurePlan From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string provider = VideoProviderRegistration.Selected(configuration);
        bool providerNamed = IsRunway(provider)
            ? HasValue(configuration, "Runway:BaseUrl") || HasValue(configuration, "Runway:ApiKey") || HasValue(configuration, "RUNWAYML_API_SECRET")
            : HasValue(configuration, "Sora:BaseUrl") || HasValue(configuration, "Sora:ApiKey") || HasValue(configuration, "OPENAI_API_KEY");
        bool storageNamed = IsConnectionSet(configuration, "AzureWebJobsStorage") || IsConnectionSet(configuration, "VideoStorage");
        return new LocalInfrastructurePlan(StartEmulator: !providerNamed, StartAzurite: !storageNamed, provider);
    }

    /// <summary>
    /// The settings that point the selected provider at an emulator listening at <paramref name="emulatorRoot"/>
    /// (<c>http://127.0.0.1:{port}</c>): Sora's API lives under <c>/v1</c>, Runway's routes (<c>/v1/text_to_video</c>,
    /// <c>/v1/tasks/{id}</c>) start at the root, so Runway's base URL is the root itself.
    /// </summary>
    public IReadOnlyDictionary<string, string?> EmulatorSettings(Uri emulatorRoot)
    {
        ArgumentNullException.ThrowIfNull(emulatorRoot);
        string root = emulatorRoot.AbsoluteUri.TrimEnd('/');
        return IsRunway(Provider)
            ? new Dictionary<string, string?> { ["Runway:BaseUrl"] = root, ["Runway:ApiKey"] = EmulatorApiKey }
            : new Dictionary<string, string?> { ["Sora:BaseUrl"] = root + "/v1", ["Sora:ApiKey"] = EmulatorApiKey };
    }

    /// <summary>The setting that names the selected provider's base URL, for the start-up log.</summary>
    public string BaseUrlKey => IsRunway(Provider) ? "Runway:BaseUrl" : "Sora:BaseUrl";

    static bool IsRunway(string provider) => string.Equals(provider, "Runway", StringComparison.OrdinalIgnoreCase);

    static bool HasValue(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    /// <summary>A connection string, or the identity-based children Azure Functions reads.</summary>
    static bool IsConnectionSet(IConfiguration configuration, string name)
    {
        IConfigurationSection section = configuration.GetSection(name);
        return !string.IsNullOrWhiteSpace(section.Value)
            || HasValue(section, "serviceUri")
            || HasValue(section, "blobServiceUri")
            || HasValue(section, "accountName");
    }
}
