using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Sora;

/// <summary>Registers the Sora client and its adapter behind the pipeline's provider seam.</summary>
public static class SoraServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="SoraOptions"/> from the <c>Sora</c> configuration section (with <c>OPENAI_API_KEY</c> as the key's
    /// fallback), validates them at start-up, registers the named HTTP client <c>Sora</c> (no automatic redirects) and
    /// <see cref="ISoraClient"/> and <see cref="IVideoProvider"/> as singletons.
    /// </summary>
    public static IServiceCollection AddSoraProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<SoraOptions>()
            .BindConfiguration(SoraOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.ApiKey))
                {
                    string? fallback = configuration[SoraOptions.OpenAIApiKeyFallbackKey];
                    options.ApiKey = string.IsNullOrWhiteSpace(fallback) ? null : fallback.Trim();
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SoraOptions>, SoraOptionsValidator>());

        services.AddHttpClient(SoraClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(SoraClient.CreatePrimaryHandler)
            // One long-lived client: the handler's own PooledConnectionLifetime picks up DNS changes.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp =>
        {
            SoraOptions options = sp.GetRequiredService<IOptions<SoraOptions>>().Value;
            HttpClient httpClient = sp.GetRequiredService<IHttpClientFactory>().CreateClient(SoraClient.HttpClientName);
            return new SoraClient(
                httpClient,
                options,
                options.AuthMode == SoraAuthMode.EntraId ? CreateCredential(options) : null,
                sp.GetService<ILogger<SoraClient>>(),
                sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton<ISoraClient>(static sp => sp.GetRequiredService<SoraClient>());
        services.TryAddSingleton<IVideoProvider, SoraVideoProvider>();
        return services;
    }

    static TokenCredential CreateCredential(SoraOptions options) =>
        string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId.Trim()));
}
