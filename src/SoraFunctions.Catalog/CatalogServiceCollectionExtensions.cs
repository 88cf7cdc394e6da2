using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Catalog;

/// <summary>Registers the video catalog.</summary>
public static class CatalogServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CatalogOptions"/> (section <c>Catalog</c>, validated at start),
    /// <see cref="VideoCatalog"/> and <see cref="VideoCatalogConsumer"/>. The caller registers the
    /// <see cref="TableServiceClient"/> of the storage account that holds the catalog table.
    /// </summary>
    public static IServiceCollection AddVideoCatalog(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<CatalogOptions>()
            .BindConfiguration(CatalogOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new VideoCatalog(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(sp.GetRequiredService<IOptions<CatalogOptions>>().Value.TableName)));
        services.TryAddSingleton(sp => new VideoCatalogConsumer(
            sp.GetRequiredService<VideoCatalog>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<VideoCatalogConsumer>>()));
        return services;
    }
}
