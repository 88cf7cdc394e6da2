using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Configuration;
using SoraFunctions.Provider.Runway;
using SoraFunctions.Provider.Sora;

namespace SoraFunctions.Provider;

/// <summary>Registers the provider the <c>Provider</c> setting names; adding a provider is one line in <see cref="Registrations"/>.</summary>
public static class VideoProviderRegistration
{
    /// <summary>The top-level setting that picks the provider.</summary>
    public const string SettingName = "Provider";

    public const string DefaultProvider = "Sora";

    static readonly Dictionary<string, Action<IServiceCollection>> Registrations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Sora"] = services => services.AddSoraProvider(),
        ["Runway"] = services => services.AddRunwayProvider(),
    };

    /// <summary>The options classes of every adapter, with their sections.</summary>
    public static IReadOnlyList<(string Section, Type Options)> OptionsTypes { get; } =
    [
        (SoraOptions.SectionName, typeof(SoraOptions)),
        (RunwayOptions.SectionName, typeof(RunwayOptions)),
    ];

    /// <summary>Every app setting the app reads: the pipeline's, <c>Provider</c>, and every adapter's.</summary>
    public static IReadOnlyList<string> AllSettingKeys { get; } = [.. AppSettings.Keys, SettingName, .. AppSettings.KeysOf(OptionsTypes)];

    /// <summary>The provider names the <c>Provider</c> setting accepts.</summary>
    public static IReadOnlyCollection<string> Names => Registrations.Keys;

    /// <summary>The provider that <paramref name="configuration"/> selects (<see cref="DefaultProvider"/> when unset).</summary>
    public static string Selected(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? value = configuration[SettingName];
        return string.IsNullOrWhiteSpace(value) ? DefaultProvider : value.Trim();
    }

    /// <summary>
    /// Registers only the selected provider, so that another provider's settings are neither needed nor validated.
    /// An unknown name stops the start-up with a message naming the setting.
    /// </summary>
    public static IServiceCollection AddVideoProvider(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        string name = Selected(configuration);
        if (!Registrations.TryGetValue(name, out Action<IServiceCollection>? register))
        {
            throw new InvalidOperationException($"{SettingName} is '{name}', which is not a provider this app knows. Use one of: {string.Join(", ", Registrations.Keys)}.");
        }

        register(services);
        return services;
    }
}
