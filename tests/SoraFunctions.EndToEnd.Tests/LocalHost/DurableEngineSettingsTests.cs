using Microsoft.Extensions.Configuration;
using SoraFunctions.LocalHost.Engine;

namespace SoraFunctions.EndToEnd.Tests.LocalHost;

/// <summary>The engine's options: defaults, host.json, the DurableTask section, and validation naming the key.</summary>
public sealed class DurableEngineSettingsTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("engine-settings-").FullName;

    static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();

    string HostJson(string durableTask)
    {
        string path = Path.Combine(folder, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""{ "version": "2.0", "extensions": { "durableTask": {{durableTask}} } }""");
        return path;
    }

    string NoHostJson => Path.Combine(folder, "missing.json");

    [Fact]
    public void Load_NothingConfigured_GivesTheDefaults()
    {
        DurableEngineOptions options = DurableEngineSettings.Load(Configuration(), NoHostJson);

        Assert.Equal("SoraFunctions", options.HubName);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MaxQueuePollingInterval);
        Assert.Equal(4, options.PartitionCount);
        Assert.Equal(100, options.MaxConcurrentActivityFunctions);
        Assert.Equal(100, options.MaxConcurrentOrchestratorFunctions);
        Assert.Equal(2, options.ActivityFetchers);
        Assert.Equal(TimeSpan.FromMinutes(1), options.WorkItemQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.ControlQueueVisibilityTimeout);
    }

    [Fact]
    public void Load_HostJson_IsReadThenTheSectionOverridesIt()
    {
        string hostJson = HostJson("""
            { "hubName": "%HUB_NAME%", "maxConcurrentActivityFunctions": 3,
              "storageProvider": { "maxQueuePollingInterval": "00:00:05", "partitionCount": 2 } }
            """);

        DurableEngineOptions options = DurableEngineSettings.Load(
            Configuration(("HUB_NAME", "FromAppSetting"), ("DurableTask:PartitionCount", "6")), hostJson);

        Assert.Equal("FromAppSetting", options.HubName);
        Assert.Equal(3, options.MaxConcurrentActivityFunctions);
        Assert.Equal(TimeSpan.FromSeconds(5), options.MaxQueuePollingInterval);
        Assert.Equal(6, options.PartitionCount);
    }

    [Fact]
    public void Load_TheRepositoryHostJson_GivesTheMeasuredSettings()
    {
        DurableEngineOptions options = DurableEngineSettings.Load(
            Configuration(), SoraFunctions.Testing.RepoPaths.Combine("host.json"));

        Assert.Equal("SoraFunctions", options.HubName);
        // The settings the README's benchmark figures were measured with. The polling interval bounds how late an
        // idle worker sees a due timer: 2 s made a single job notice its video 1.7-3.1 s late instead of 0.4-0.7 s.
        Assert.Equal(TimeSpan.FromSeconds(1), options.MaxQueuePollingInterval);
        // 200 activities: a job runs one at a time, and an aimed check waits inside its activity for the render's end,
        // so 200 jobs ending together (their creates all sent by their submissions) queued behind 100 slots.
        Assert.Equal((4, 200, 100), (options.PartitionCount, options.MaxConcurrentActivityFunctions, options.MaxConcurrentOrchestratorFunctions));
    }

    [Theory]
    [InlineData("DurableTask:HubName", "1starts-with-a-digit")]
    [InlineData("DurableTask:HubName", "ab")]
    [InlineData("DurableTask:MaxQueuePollingInterval", "00:10:00")]
    [InlineData("DurableTask:MaxQueuePollingInterval", "00:00:00.01")]
    [InlineData("DurableTask:PartitionCount", "0")]
    [InlineData("DurableTask:PartitionCount", "17")]
    [InlineData("DurableTask:MaxConcurrentActivityFunctions", "0")]
    [InlineData("DurableTask:MaxConcurrentOrchestratorFunctions", "-1")]
    [InlineData("DurableTask:LeaseAcquireInterval", "00:00:00")]
    [InlineData("DurableTask:WorkItemQueueVisibilityTimeout", "00:00:01")]
    [InlineData("DurableTask:ControlQueueVisibilityTimeout", "00:00:01")]
    [InlineData("DurableTask:LeaseInterval", "00:00:05")]
    [InlineData("DurableTask:PartitionCount", "four")]
    [InlineData("DurableTask:MaxQueuePollingInterval", "soon")]
    public void Load_BadValue_FailsNamingTheKey(string key, string value)
    {
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(
            () => DurableEngineSettings.Load(Configuration((key, value)), NoHostJson));

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralBadValues_NamesEveryKey()
    {
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => DurableEngineSettings.Load(
            Configuration(("DurableTask:PartitionCount", "0"), ("DurableTask:HubName", "x")), NoHostJson));

        Assert.Contains("DurableTask:PartitionCount", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DurableTask:HubName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HostJsonValueNotANumber_NamesTheHostJsonKey()
    {
        string hostJson = HostJson("""{ "storageProvider": { "partitionCount": "many" } }""");

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(
            () => DurableEngineSettings.Load(Configuration(), hostJson));

        Assert.Contains("extensions:durableTask:storageProvider:partitionCount", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HostJsonReferenceToAMissingSetting_NamesTheSetting()
    {
        string hostJson = HostJson("""{ "hubName": "%NOT_SET%" }""");

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(
            () => DurableEngineSettings.Load(Configuration(), hostJson));

        Assert.Contains("NOT_SET", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
