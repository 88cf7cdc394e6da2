using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;
using SoraFunctions.Catalog;
using SoraFunctions.Http;
using SoraFunctions.LocalHost.Catalog;
using SoraFunctions.LocalHost.Engine;
using SoraFunctions.LocalHost.Management;
using SoraFunctions.Provider;
using SoraFunctions.Storage;
using SoraFunctions.Telemetry;
using SoraFunctions.Web;

namespace SoraFunctions.LocalHost.Hosting;

/// <summary>
/// The local host: the pipeline's HTTP API and Durable-shaped management endpoints on Kestrel, the pipeline's
/// worker on the durable engine sidecar, and whatever <see cref="LocalInfrastructure"/> started beside it.
/// </summary>
public sealed class LocalHostApp : IAsyncDisposable
{
    readonly LocalInfrastructure stack;
    readonly ILoggerFactory bootstrapLoggers;

    LocalHostApp(WebApplication app, LocalInfrastructure stack, ILoggerFactory bootstrapLoggers)
    {
        App = app;
        this.stack = stack;
        this.bootstrapLoggers = bootstrapLoggers;
    }

    /// <summary>The web application (not yet started).</summary>
    public WebApplication App { get; }

    /// <summary>
    /// Reads configuration (defaults, environment, command line), starts the stack and the engine, and builds the
    /// app. Configuration problems surface as <see cref="InvalidOperationException"/> naming the key.
    /// </summary>
    public static async Task<LocalHostApp> CreateAsync(string[] hostArgs, LocalHostMode mode, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = hostArgs,
            ContentRootPath = AppContext.BaseDirectory,
        });
        LocalHostDefaults.Add(builder.Configuration, mode);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(LocalHostDefaults.Url);
        }

        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);

        // The engine and the stack start before the app exists; they log through a factory with the same rules.
        ILoggerFactory bootstrapLoggers = LoggerFactory.Create(logging => logging
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(console => console.SingleLine = true));
        try
        {
            DurableEngineOptions engineOptions = DurableEngineSettings.Load(builder.Configuration);
            LocalInfrastructure stack = await LocalInfrastructure.StartAsync(builder.Configuration, engineOptions, bootstrapLoggers, cancellationToken);
            try
            {
                builder.Configuration.AddInMemoryCollection(stack.ConfigurationOverrides);
                ConfigureServices(builder.Services, builder.Configuration, stack.Sidecar.Address, engineOptions);

                WebApplication app = builder.Build();
                app.UseLocalHostHttp();
                app.MapGet("/", (HttpRequest request) => WebPage.Serve(request, null)).ExcludeFromDescription();
                app.MapScalarApiReference("/scalar", scalar => scalar
                    .WithTitle("SoraFunctions API")
                    .WithOpenApiRoutePattern("/api/openapi.json"));
                PrintMetricsSummaryOnStop(app);
                return new LocalHostApp(app, stack, bootstrapLoggers);
            }
            catch
            {
                await stack.DisposeAsync();
                throw;
            }
        }
        catch
        {
            bootstrapLoggers.Dispose();
            throw;
        }
    }

    /// <summary>The services of the local host: the shared pipeline plus this host's engine, URLs and notifier.</summary>
    public static void ConfigureServices(IServiceCollection services, IConfiguration configuration, Uri sidecarAddress, DurableEngineOptions engineOptions)
    {
        services.AddVideoPipeline(configuration).AddVideoProvider(configuration);
        services.AddVideoPipelineWorker(sidecarAddress, engineOptions);
        services.AddHostedService<EndedJobReconcilerService>();
        services.Replace(ServiceDescriptor.Singleton<IManagementUrlFactory, LocalManagementUrlFactory>());
        services.Replace(ServiceDescriptor.Singleton<IVideoStoredNotifier, InProcessVideoStoredNotifier>());
        services.AddHttpClient(LocalHostDefaults.LogCategory);
        services.AddLocalHostHttp(configuration);
        services.AddSingleton<PipelineMetricsSummary>();
        services.AddPipelineTelemetry(configuration, "SoraFunctions.LocalHost")
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !context.Request.Path.StartsWithSegments("/api/ui", StringComparison.Ordinal)))
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation());
    }

    /// <summary>One line with the pipeline's totals when the host stops (the same figures the exporters get).</summary>
    static void PrintMetricsSummaryOnStop(WebApplication app)
    {
        PipelineMetricsSummary summary = app.Services.GetRequiredService<PipelineMetricsSummary>();
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LocalHostDefaults.LogCategory);
        app.Lifetime.ApplicationStopping.Register(() => logger.LogInformation("Pipeline metrics: {Summary}", summary.Describe()));
    }

    /// <summary>Stops the app (if running), then the engine and the stack.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await stack.DisposeAsync();
        bootstrapLoggers.Dispose();
    }
}
