using System.Net;
using System.Net.Sockets;
using SoraEmulator;
using SoraFunctions.LocalHost.Engine;
using SoraFunctions.LocalHost.Tooling;
using SoraFunctions.Storage;

namespace SoraFunctions.LocalHost.Hosting;

/// <summary>
/// What runs beside the app: Azurite and the emulator when configuration names no storage or provider, and
/// always the durable engine sidecar. Started in that order before the app is built (the app's configuration then
/// points at them) and stopped in reverse order.
/// </summary>
public sealed class LocalInfrastructure : IAsyncDisposable
{
    /// <summary>Port the in-process emulator takes for a human run; a free port when it is busy.</summary>
    public const int DefaultEmulatorPort = 5080;

    static readonly int[] DefaultAzuritePorts = [10000, 10001, 10002];

    readonly ILogger logger;
    AzuriteServices? azurite;
    WebApplication? emulator;
    DurableEngineSidecar? sidecar;

    LocalInfrastructure(ILogger logger) => this.logger = logger;

    /// <summary>The engine every worker and client of this host connects to.</summary>
    public DurableEngineSidecar Sidecar => sidecar ?? throw new InvalidOperationException("The engine has not started.");

    /// <summary>Settings the stack contributes to the app's configuration (storage and provider it started).</summary>
    public IReadOnlyDictionary<string, string?> ConfigurationOverrides { get; private set; } = new Dictionary<string, string?>();

    /// <summary>
    /// Starts what <paramref name="configuration"/> asks for, then the engine, and returns the overrides the app
    /// must apply. On failure everything already started is stopped.
    /// </summary>
    public static async Task<LocalInfrastructure> StartAsync(
        IConfiguration configuration, DurableEngineOptions engineOptions, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(engineOptions);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        LocalInfrastructure stack = new(loggerFactory.CreateLogger("SoraFunctions.LocalHost"));
        try
        {
            await stack.StartCoreAsync(configuration, engineOptions, loggerFactory, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    async Task StartCoreAsync(IConfiguration configuration, DurableEngineOptions engineOptions, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var plan = LocalInfrastructurePlan.From(configuration);
        Dictionary<string, string?> overrides = [];

        if (plan.StartAzurite)
        {
            azurite = await StartAzuriteAsync(loggerFactory, cancellationToken);
            overrides[StorageConnections.AzureWebJobsStorage] = azurite.ConnectionString;
            overrides[StorageConnections.VideoStorage] = azurite.ConnectionString;
        }
        else
        {
            logger.LogInformation("Storage: using the configured AzureWebJobsStorage/VideoStorage; Azurite not started");
        }

        if (plan.StartEmulator)
        {
            (emulator, Uri root) = await StartEmulatorAsync(configuration, cancellationToken);
            foreach ((string key, string? value) in plan.EmulatorSettings(root))
            {
                overrides[key] = value;
            }

            logger.LogInformation("Provider: {Provider} pointed at the emulator ({BaseUrlKey} = {BaseUrl})", plan.Provider, plan.BaseUrlKey, overrides[plan.BaseUrlKey]);
        }
        else
        {
            logger.LogInformation("Provider: using the configured {Provider} provider at {BaseUrl}; emulator not started",
                plan.Provider,
                configuration[plan.BaseUrlKey] is { Length: > 0 } baseUrl ? baseUrl : "(default base URL)");
        }

        ConfigurationOverrides = overrides;

        IConfiguration effective = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(overrides).Build();
        IConfigurationSection engineStorage = StorageConnections.Engine(effective);
        sidecar = await DurableEngineSidecar.StartAsync(
            EngineStorage.CreateClientProvider(engineStorage), engineOptions, loggerFactory, cancellationToken);
        logger.LogInformation(
            "Durable engine: task hub {TaskHub} on Azure Storage, gRPC sidecar at {Address} (max queue polling interval {PollingInterval})",
            sidecar.TaskHubName, sidecar.Address, engineOptions.MaxQueuePollingInterval);
    }

    /// <summary>
    /// Azurite as one process per service: the durable engine keeps the queue and table services busy, and one
    /// single-threaded Azurite process was the bound of a crowd of jobs (see the README's "Many jobs at once").
    /// </summary>
    async Task<AzuriteServices> StartAzuriteAsync(ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        string root = RepoPaths.FindRoot();
        bool defaultPortsFree = DefaultAzuritePorts.All(IsPortFree);
        AzuriteServices instance = await AzuriteLauncher.StartPerServiceAsync(
            new AzuriteLaunchOptions
            {
                DataFolder = RepoPaths.AzuriteDataFolder(root),
                ToolsFolder = RepoPaths.ToolsFolder(root),
                BlobPort = defaultPortsFree ? DefaultAzuritePorts[0] : 0,
                QueuePort = defaultPortsFree ? DefaultAzuritePorts[1] : 0,
                TablePort = defaultPortsFree ? DefaultAzuritePorts[2] : 0,
                Logger = loggerFactory.CreateLogger("SoraFunctions.LocalHost.Azurite"),
            },
            cancellationToken);
        logger.LogInformation(
            "Azurite: started (processes {ProcessIds}) with blob port {BlobPort}, queue port {QueuePort}, table port {TablePort}, data in {DataFolder}",
            string.Join(", ", instance.ProcessIds), instance.BlobPort, instance.QueuePort, instance.TablePort, RepoPaths.AzuriteDataFolder(root));
        return instance;
    }

    /// <summary>Starts the emulator and returns its root URL (<c>http://127.0.0.1:{port}/</c>); each wire format has its own routes under it.</summary>
    async Task<(WebApplication App, Uri Root)> StartEmulatorAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        int port = configuration.GetValue("LocalHost:EmulatorPort", DefaultEmulatorPort);
        if (port != 0 && !IsPortFree(port))
        {
            logger.LogInformation("Port {Port} is busy; the emulator takes a free port", port);
            port = 0;
        }

        WebApplication app = EmulatorApp.Build(
            ["--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning"],
            options => configuration.GetSection(EmulatorOptions.SectionName).Bind(options));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        Uri baseAddress = new(app.Urls.First().TrimEnd('/') + "/");
        logger.LogInformation("Emulator: started in-process at {Root} (render time {RenderSeconds} s)",
            baseAddress, app.Services.GetRequiredService<EmulatorOptions>().RenderSeconds);
        return (app, baseAddress);
    }

    static bool IsPortFree(int port)
    {
        try
        {
            using TcpListener listener = new(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Stops the engine, the emulator and Azurite, in that order.</summary>
    public async ValueTask DisposeAsync()
    {
        if (sidecar is not null)
        {
            await sidecar.DisposeAsync();
            sidecar = null;
        }

        if (emulator is not null)
        {
            await emulator.StopAsync(CancellationToken.None);
            await emulator.DisposeAsync();
            emulator = null;
            logger.LogInformation("Emulator: stopped");
        }

        if (azurite is not null)
        {
            await azurite.DisposeAsync();
            azurite = null;
        }
    }
}
