using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SoraFunctions.Activities;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Http;
using SoraFunctions.Limits;
using SoraFunctions.Orchestration;
using SoraFunctions.Storage;

namespace SoraFunctions;

/// <summary>Registers everything the pipeline needs but the provider (the provider project adds it); both hosts call it.</summary>
public static class VideoPipelineServiceCollectionExtensions
{
    public static IServiceCollection AddVideoPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VideoApiOptions>().BindConfiguration(VideoApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<VideoStorageOptions>().BindConfiguration(VideoStorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VideoApiOptions>, VideoApiOptionsValidator>());

        services.AddVideoCatalog();
        services.AddVideoLimits();

        services.TryAddSingleton(TimeProvider.System);
        IConfigurationSection videoStorage = StorageConnections.Video(configuration);
        services.AddAzureClients(clients =>
        {
            clients.AddBlobServiceClient(StorageConnections.ClientSettings(videoStorage, StorageService.Blob));
            clients.AddTableServiceClient(StorageConnections.ClientSettings(videoStorage, StorageService.Table));
        });
        services.TryAddSingleton<VideoBlobStore>();
        services.TryAddSingleton<InputImageStore>();
        services.TryAddSingleton<ProviderVideoIndex>();
        services.TryAddSingleton<IProviderVideoIndex>(provider => provider.GetRequiredService<ProviderVideoIndex>());
        services.TryAddSingleton<StatusSweep>();
        services.TryAddSingleton<StatusSweepStarter>();
        services.TryAddSingleton<WebhookDeliveries>();
        services.TryAddSingleton<ICreateAttempts, CreateAttempts>();
        services.TryAddSingleton<IJobIndex, JobIndex>();
        services.TryAddSingleton<IVideoStoredNotifier, NoVideoStoredNotifier>();
        services.TryAddSingleton<VideoJobActivities>();
        services.TryAddSingleton<NoticedVideos>();
        services.TryAddSingleton<VideoWatch>();
        services.TryAddSingleton<JobLimitActivities>();
        services.TryAddSingleton<EndedJobReconciler>();
        services.TryAddSingleton<JobPacingFactory>();
        services.TryAddSingleton<VideoApi>();
        services.TryAddSingleton<LibraryApi>();
        services.TryAddSingleton<JobApi>();
        services.TryAddSingleton<BatchApi>();
        services.TryAddSingleton<ProviderWebhooks>();
        return services;
    }
}
