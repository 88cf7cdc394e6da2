using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SoraFunctions.Limits;

/// <summary>Registers the limits module; both hosts call it after registering a <see cref="Azure.Data.Tables.TableServiceClient"/>.</summary>
public static class LimitsServiceCollectionExtensions
{
    public static IServiceCollection AddVideoLimits(this IServiceCollection services)
    {
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PricesOptions>().BindConfiguration(PricesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CallersOptions>().BindConfiguration(CallersOptions.SectionName).ValidateOnStart();

        services.TryAddSingleton<LimitsTable>();
        services.TryAddSingleton<IJobSlots, TableJobSlots>();
        services.TryAddSingleton<ICreatePacer, TableCreatePacer>();
        services.TryAddSingleton<ISpendLedger, TableSpendLedger>();
        services.TryAddSingleton<IPriceTable, PriceTable>();
        services.TryAddSingleton<CallerResolver>();
        return services;
    }
}
