using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SoraEmulator;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Integration;

/// <summary>
/// The real pipeline for orchestration tests: the orchestrator and activities on the Durable Task engine
/// (<see cref="DurableTaskTestHost"/>, real replay and timers), the emulator over HTTP on loopback, and Azurite.
/// </summary>
public class PipelineFixture : IAsyncLifetime
{
    public const string Container = "videos";

    /// <summary>The provider's webhook signing secret the pipeline is configured with (made up per run).</summary>
    public static readonly string WebhookSecret = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public AzuriteServer Azurite { get; private set; } = null!;

    public RunningEmulator Emulator { get; private set; } = null!;

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    public IServiceProvider Services => Host.Services;

    public BlobContainerClient Videos => new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient(Container);

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 3 });
        var settings = new Dictionary<string, string?>
            {
                ["Sora:BaseUrl"] = Emulator.ApiBaseUrl.AbsoluteUri,
                ["Sora:RequestTimeoutSeconds"] = "15",
                ["VideoStorage"] = Azurite.ConnectionString,
                ["AzureWebJobsStorage"] = Azurite.ConnectionString,
                ["VideoStorage:Container"] = Container,
                ["Catalog:TableName"] = "pipelinecatalog",
                ["Sora:WebhookSecret"] = WebhookSecret,
                // Webhooks are on, but most tests here send none: jobs submitted through the API keep the usual pace
                // instead of the 60 s safety net.
                ["Pipeline:WebhookPollSeconds"] = "2",

                // The brakes are off here; CappedPipelineFixture and PacedPipelineFixture test them.
                ["Limits:MaxRunningJobs"] = "0",
                ["Limits:CreatesPerMinute"] = "0",
                ["Limits:TableName"] = "limits" + Guid.NewGuid().ToString("N")[..12],
            };
        Configure(settings);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        Host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddVideoPipeline(),
            new DurableTaskTestHostOptions
            {
                Port = FreePort(),
                ConfigureServices = services =>
                {
                    services.AddSingleton(configuration);
                    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
                    services.AddVideoPipeline(configuration).AddVideoProvider(configuration);
                },
            });
    }

    /// <summary>What a test job asks the provider for.</summary>
    public virtual VideoSpec SpecFor(string prompt) => new(prompt, "sora-2", "4", "720x1280");

    /// <summary>Changes the pipeline's settings before it starts.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Emulator.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>Starts a job directly on the engine and waits for it to end.</summary>
    public async Task<OrchestrationMetadata> RunJobAsync(string prompt, JobPacing? pacing = null, string? jobId = null, TimeSpan? deadline = null)
    {
        string id = await StartJobAsync(prompt, pacing, jobId);
        return await WaitAsync(id, deadline ?? TimeSpan.FromSeconds(90));
    }

    public async Task<string> StartJobAsync(string prompt, JobPacing? pacing = null, string? jobId = null)
    {
        string id = jobId ?? $"job-{Guid.NewGuid():N}";
        var input = new VideoJobInput(id, SpecFor(prompt), pacing ?? TestPacing.Fast);
        await Client.ScheduleNewOrchestrationInstanceAsync(VideoOrchestrator.Name, input, new StartOrchestrationOptions(id));
        return id;
    }

    public async Task<OrchestrationMetadata> WaitAsync(string id, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        return await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineTestGroup : ICollectionFixture<PipelineFixture>
{
    public const string Name = "pipeline";
}

/// <summary>The pipeline with a cluster-wide cap of 3 provider jobs in flight (and no create pacing).</summary>
public sealed class CappedPipelineFixture : PipelineFixture
{
    public const int Cap = 3;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Limits:MaxRunningJobs"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(Name)]
public sealed class CappedPipelineTestGroup : ICollectionFixture<CappedPipelineFixture>
{
    public const string Name = "capped pipeline";
}

/// <summary>The pipeline with creates paced to 3 a minute (and no cap).</summary>
public sealed class PacedPipelineFixture : PipelineFixture
{
    public const int CreatesPerMinute = 3;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Limits:CreatesPerMinute"] = CreatesPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(Name)]
public sealed class PacedPipelineTestGroup : ICollectionFixture<PacedPipelineFixture>
{
    public const string Name = "paced pipeline";
}

/// <summary>The pipeline on the Runway provider, against the emulator's Runway face.</summary>
public sealed class RunwayPipelineFixture : PipelineFixture
{
    public const string ApiKey = "rk-test-secret";

    public override VideoSpec SpecFor(string prompt) => new(prompt, "gen4.5", "5", "1280x720");

    protected override void Configure(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Provider"] = "Runway";
        settings["Runway:BaseUrl"] = Emulator.ApiBaseUrl.GetLeftPart(UriPartial.Authority);
        settings["Runway:ApiKey"] = ApiKey;
        settings["Runway:RequestTimeoutSeconds"] = "15";
    }
}

[CollectionDefinition(Name)]
public sealed class RunwayPipelineTestGroup : ICollectionFixture<RunwayPipelineFixture>
{
    public const string Name = "runway pipeline";
}
