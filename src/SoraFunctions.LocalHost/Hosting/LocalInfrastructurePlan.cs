namespace SoraFunctions.LocalHost.Hosting;

/// <summary>
/// What the local host starts besides itself, decided from configuration: the Sora emulator unless a provider is
/// named (<c>Sora__BaseUrl</c>, <c>Sora__ApiKey</c> or <c>OPENAI_API_KEY</c>), and Azurite unless storage is named
/// (<c>AzureWebJobsStorage</c> or <c>VideoStorage</c>, as a connection string or identity-based).
/// </summary>
public sealed record LocalInfrastructurePlan(bool StartEmulator, bool StartAzurite)
{
    /// <summary>Reads the plan from the app's configuration.</summary>
    public static LocalInfrastructurePlan From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        bool providerNamed = HasValue(configuration, "Sora:BaseUrl")
            || HasValue(configuration, "Sora:ApiKey")
            || HasValue(configuration, "OPENAI_API_KEY");
        bool storageNamed = IsConnectionSet(configuration, "AzureWebJobsStorage") || IsConnectionSet(configuration, "VideoStorage");
        return new LocalInfrastructurePlan(StartEmulator: !providerNamed, StartAzurite: !storageNamed);
    }

    private static bool HasValue(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    /// <summary>A connection string, or the identity-based children Azure Functions reads.</summary>
    private static bool IsConnectionSet(IConfiguration configuration, string name)
    {
        IConfigurationSection section = configuration.GetSection(name);
        return !string.IsNullOrWhiteSpace(section.Value)
            || HasValue(section, "serviceUri")
            || HasValue(section, "blobServiceUri")
            || HasValue(section, "accountName");
    }
}
