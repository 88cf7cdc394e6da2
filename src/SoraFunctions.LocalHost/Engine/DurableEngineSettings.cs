using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SoraFunctions.LocalHost.Engine;

/// <summary>
/// Reads <see cref="DurableEngineOptions"/>: defaults, then the Functions <c>host.json</c>
/// (<c>extensions.durableTask</c>), then the app's <c>DurableTask</c> configuration section.
/// </summary>
public static partial class DurableEngineSettings
{
    /// <summary>The configuration section that overrides host.json for the local host.</summary>
    public const string SectionName = "DurableTask";

    /// <summary>File name of the Functions host file, copied next to the local host's binaries.</summary>
    public const string HostJsonFileName = "host.json";

    /// <summary>Builds the engine options from host.json (when found) and the app's configuration.</summary>
    /// <param name="configuration">The app's configuration (environment, command line).</param>
    /// <param name="hostJsonPath">An explicit host.json; when null, the one next to the binaries is used if present.</param>
    /// <exception cref="InvalidOperationException">A value is invalid; the message names the key.</exception>
    public static DurableEngineOptions Load(IConfiguration configuration, string? hostJsonPath = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        hostJsonPath ??= Path.Combine(AppContext.BaseDirectory, HostJsonFileName);

        // The engine starts before the app's container exists, so the options get a container of their own:
        // defaults, then host.json, then the DurableTask section, validated as the app validates its options.
        ServiceCollection services = new();
        services.AddOptions<DurableEngineOptions>()
            .Configure(options =>
            {
                if (File.Exists(hostJsonPath))
                {
                    ApplyHostJson(options, hostJsonPath, configuration);
                }
            })
            .Bind(configuration.GetSection(SectionName))
            .ValidateDataAnnotations();
        using ServiceProvider provider = services.BuildServiceProvider();
        try
        {
            return provider.GetRequiredService<IOptions<DurableEngineOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, ex.Failures), ex);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is FormatException or OverflowException or ArgumentException)
        {
            // The binder's message names the key and the value it could not convert.
            throw new InvalidOperationException($"Invalid '{SectionName}' settings: {ex.Message}", ex);
        }
    }

    static void ApplyHostJson(DurableEngineOptions options, string path, IConfiguration appConfiguration)
    {
        IConfigurationRoot hostJson;
        try
        {
            hostJson = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidOperationException($"host.json at '{path}' is not valid JSON: {ex.Message}", ex);
        }

        IConfigurationSection durable = hostJson.GetSection("extensions:durableTask");
        IConfigurationSection provider = durable.GetSection("storageProvider");

        if (durable["hubName"] is { Length: > 0 } hubName)
        {
            options.HubName = ResolveAppSettingReferences(hubName, appConfiguration);
        }

        options.MaxConcurrentActivityFunctions = ReadInt(durable, "maxConcurrentActivityFunctions", options.MaxConcurrentActivityFunctions);
        options.MaxConcurrentOrchestratorFunctions = ReadInt(durable, "maxConcurrentOrchestratorFunctions", options.MaxConcurrentOrchestratorFunctions);
        options.MaxQueuePollingInterval = ReadTimeSpan(provider, "maxQueuePollingInterval", options.MaxQueuePollingInterval);
        options.PartitionCount = ReadInt(provider, "partitionCount", options.PartitionCount);
        options.WorkItemQueueVisibilityTimeout = ReadTimeSpan(provider, "workItemQueueVisibilityTimeout", options.WorkItemQueueVisibilityTimeout);
        options.ControlQueueVisibilityTimeout = ReadTimeSpan(provider, "controlQueueVisibilityTimeout", options.ControlQueueVisibilityTimeout);
    }

    /// <summary>Replaces Functions-style <c>%Name%</c> references with app settings, as the Functions host does.</summary>
    static string ResolveAppSettingReferences(string value, IConfiguration configuration) =>
        AppSettingReference().Replace(value, match =>
            configuration[match.Groups[1].Value.Replace("__", ":", StringComparison.Ordinal)]
            ?? throw new InvalidOperationException($"host.json refers to app setting '{match.Groups[1].Value}', which is not set."));

    static int ReadInt(IConfigurationSection section, string key, int fallback)
    {
        string? raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new InvalidOperationException($"host.json {section.Path}:{key} '{raw}' is not an integer.");
    }

    static TimeSpan ReadTimeSpan(IConfigurationSection section, string key, TimeSpan fallback)
    {
        string? raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        return TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out TimeSpan value)
            ? value
            : throw new InvalidOperationException($"host.json {section.Path}:{key} '{raw}' is not a time span (hh:mm:ss).");
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex AppSettingReference();
}
