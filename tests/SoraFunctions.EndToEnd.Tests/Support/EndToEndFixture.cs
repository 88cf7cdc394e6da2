using System.Globalization;
using Azure.Storage.Blobs;
using SoraEmulator;
using SoraFunctions.Testing;

namespace SoraFunctions.EndToEnd.Tests.Support;

/// <summary>
/// One Azurite (in memory), one Sora emulator and one local host process for the whole suite, on free loopback
/// ports. Short intervals keep jobs to a few seconds.
/// </summary>
public sealed class EndToEndFixture : IAsyncLifetime
{
    AzuriteServer? azurite;
    RunningEmulator? emulator;
    LocalHostProcess? host;

    /// <summary>Talks to every server of the suite.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public AzuriteServer Azurite => azurite ?? throw new InvalidOperationException("Not started.");

    public RunningEmulator Emulator => emulator ?? throw new InvalidOperationException("Not started.");

    internal LocalHostProcess Host => host ?? throw new InvalidOperationException("Not started.");

    /// <summary>The output container in Azurite.</summary>
    public BlobContainerClient Videos => new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient("videos");

    public async Task InitializeAsync()
    {
        azurite = await AzuriteServer.StartAsync();
        emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 3 });
        host = await LocalHostProcess.StartAsync(HostEnvironment("e2eshared"), Http);
    }

    /// <summary>The environment of a local host process on this suite's Azurite and emulator, on its own task hub.</summary>
    internal Dictionary<string, string> HostEnvironment(string hubName) => new()
    {
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["VideoStorage"] = Azurite.ConnectionString,
        ["Sora__BaseUrl"] = Emulator.ApiBaseUrl.AbsoluteUri.TrimEnd('/'),
        ["Sora__ApiKey"] = "e2e-test-key",
        ["Pipeline__MinPollSeconds"] = "0.5",
        ["Pipeline__MaxPollSeconds"] = "1",
        ["DurableTask__HubName"] = hubName,
        ["DurableTask__MaxQueuePollingInterval"] = "00:00:00.500",
        ["DurableTask__PartitionCount"] = "1",
        ["DurableTask__WorkItemQueueVisibilityTimeout"] = "00:00:10",
        ["DurableTask__ControlQueueVisibilityTimeout"] = "00:00:10",
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft.DurableTask"] = Environment.GetEnvironmentVariable("E2E_ENGINE_LOG") ?? "Warning",
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>Where the pipeline stores a job's video (the UTC date of the job's start).</summary>
    public static string BlobNameFor(string jobId, DateTimeOffset startedUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{startedUtc.UtcDateTime:yyyy}/{startedUtc.UtcDateTime:MM}/{startedUtc.UtcDateTime:dd}/{jobId}.mp4");

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        if (emulator is not null)
        {
            await emulator.DisposeAsync();
        }

        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }

        Http.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EndToEndGroup : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "End to end";
}
