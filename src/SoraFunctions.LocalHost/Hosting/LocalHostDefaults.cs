using Microsoft.Extensions.Configuration.Memory;

namespace SoraFunctions.LocalHost.Hosting;

/// <summary>Defaults of the local host, added below every other configuration source so anything overrides them.</summary>
public static class LocalHostDefaults
{
    /// <summary>The address <c>func start</c> uses, so README examples work against either host.</summary>
    public const string Url = "http://127.0.0.1:7071";

    /// <summary>The log category of the host's own start-up and CLI lines.</summary>
    public const string LogCategory = "SoraFunctions.LocalHost";

    /// <summary>Adds the defaults at the lowest priority.</summary>
    public static void Add(IConfigurationBuilder configuration, LocalHostMode mode)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Dictionary<string, string?> defaults = new()
        {
            ["Logging:LogLevel:Default"] = mode == LocalHostMode.Run ? "Warning" : "Information",
            [$"Logging:LogLevel:{LogCategory}"] = "Information",
            [$"Logging:LogLevel:{LogCategory}.Catalog"] = mode == LocalHostMode.Run ? "Warning" : "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = mode == LocalHostMode.Run ? "Warning" : "Information",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            ["Logging:LogLevel:Grpc"] = "Warning",
            ["Logging:LogLevel:Azure"] = "Warning",

            // The engine: quiet unless asked (Logging__LogLevel__DurableTask=Information).
            ["Logging:LogLevel:Microsoft.DurableTask"] = "Warning",
            ["Logging:LogLevel:DurableTask"] = "Warning",
            ["Logging:LogLevel:DurableTask.AzureStorage"] = "Warning",
            ["Logging:LogLevel:DurableTask.Core"] = "Warning",
        };
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
    }
}
