using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Runway;

/// <summary>Registers the Runway client and its adapter behind the pipeline's provider seam.</summary>
public static class RunwayServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="RunwayOptions"/> from the <c>Runway</c> section (with <c>RUNWAYML_API_SECRET</c> as the key's
    /// fallback), validates them at start-up, registers the named HTTP clients <c>Runway</c> and <c>Runway.Output</c>
    /// (no automatic redirects) and <see cref="RunwayClient"/> and <see cref="IVideoProvider"/> as singletons.
    /// </summary>
    public static IServiceCollection AddRunwayProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<RunwayOptions>()
            .BindConfiguration(RunwayOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.ApiKey))
                {
                    string? fallback = configuration[RunwayOptions.ApiSecretFallbackKey];
                    options.ApiKey = string.IsNullOrWhiteSpace(fallback) ? null : fallback.Trim();
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunwayOptions>, RunwayOptionsValidator>());

        // The timeout is per call (RequestTimeoutSeconds), and one long-lived handler picks up DNS changes itself.
        services.AddHttpClient(RunwayClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(RunwayClient.CreatePrimaryHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddHttpClient(RunwayClient.OutputHttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(RunwayClient.CreatePrimaryHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp =>
        {
            IHttpClientFactory clients = sp.GetRequiredService<IHttpClientFactory>();
            return new RunwayClient(
                clients.CreateClient(RunwayClient.HttpClientName),
                clients.CreateClient(RunwayClient.OutputHttpClientName),
                sp.GetRequiredService<IOptions<RunwayOptions>>().Value,
                sp.GetService<ILogger<RunwayClient>>(),
                sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton<IVideoProvider, RunwayVideoProvider>();
        return services;
    }
}
