using System.Reflection;

namespace SoraFunctions.Configuration;

/// <summary>
/// Every app setting the pipeline reads (the provider project adds its adapters' settings), in app-setting form (<c>Section__Key</c>). Derived from the options
/// classes, so that a test can hold <c>local.settings.sample.json</c> and the Bicep app settings to it.
/// </summary>
public static class AppSettings
{
    /// <summary>Connections read as in Azure Functions: a connection string or identity-based children.</summary>
    public static IReadOnlyList<string> Connections { get; } = [Storage.StorageConnections.AzureWebJobsStorage, Storage.StorageConnections.VideoStorage];

    /// <summary>The options classes, each with the configuration section it binds.</summary>
    public static IReadOnlyList<(string Section, Type Options)> OptionsTypes { get; } =
    [
        (VideoApiOptions.SectionName, typeof(VideoApiOptions)),
        (PipelineOptions.SectionName, typeof(PipelineOptions)),
        (VideoStorageOptions.SectionName, typeof(VideoStorageOptions)),
        (Catalog.CatalogOptions.SectionName, typeof(Catalog.CatalogOptions)),
        (Limits.LimitsOptions.SectionName, typeof(Limits.LimitsOptions)),
        (Limits.CallersOptions.SectionName, typeof(Limits.CallersOptions)),
    ];

    /// <summary>All keys: the connections, then each options class's settable scalar properties.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. Connections, .. KeysOf(OptionsTypes)];

    /// <summary>The app-setting keys (<c>Section__Property</c>) of options classes.</summary>
    public static IEnumerable<string> KeysOf(IEnumerable<(string Section, Type Options)> optionsTypes) =>
        optionsTypes.SelectMany(o => ScalarProperties(o.Options).Select(p => $"{o.Section}__{p.Name}"));

    static IEnumerable<PropertyInfo> ScalarProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && IsScalar(p.PropertyType));

    static bool IsScalar(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri);
    }
}
