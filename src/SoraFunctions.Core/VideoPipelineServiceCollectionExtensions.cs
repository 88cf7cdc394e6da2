using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Http;
using SoraFunctions.Storage;

namespace SoraFunctions;

/// <summary>Registers everything the pipeline needs but the provider (the provider project adds it); both hosts call it.</summary>
public static class VideoPipelineServiceCollectionExtensions
{
    public static IServiceCollection AddVideoPipeline(this IServiceCollection services)
    {
        services.AddOptions<VideoApiOptions>().BindConfiguration(VideoApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<VideoStorageOptions>().BindConfiguration(VideoStorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VideoApiOptions>, VideoApiOptionsValidator>());

        services.AddVideoCatalog();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new StorageConnections(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnections>().CreateVideoBlobServiceClient());
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnections>().CreateVideoTableServiceClient());
        services.TryAddSingleton<VideoBlobStore>();
        services.TryAddSingleton<ProviderVideoIndex>();
        services.TryAddSingleton<IJobIndex, JobIndex>();
        services.TryAddSingleton<IVideoStoredNotifier, NoVideoStoredNotifier>();
        services.TryAddSingleton<VideoJobActivities>();
        services.TryAddSingleton<VideoApi>();
        services.TryAddSingleton<ProviderWebhooks>();
        return services;
    }
}
