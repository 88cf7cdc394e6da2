using Microsoft.AspNetCore.Hosting.Server.Features;
using SoraEmulator.Api;
using SoraEmulator.Media;
using SoraEmulator.Runway;
using SoraEmulator.Webhooks;

namespace SoraEmulator;

/// <summary>Builds the emulator web application.</summary>
public static class EmulatorApp
{
    /// <summary>The address used when no <c>--urls</c>, <c>ASPNETCORE_URLS</c> or Kestrel endpoint is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// The stand-alone emulator: the usual ASP.NET Core configuration (command line, environment), options from
    /// section <c>Emulator</c>, then <paramref name="configure"/>. Listens on <see cref="DefaultUrl"/> unless told otherwise.
    /// </summary>
    public static WebApplication Build(string[] args, Action<EmulatorOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        // Request-level framework logs are noise here; the emulator logs creates and faults itself.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        var options = new EmulatorOptions();
        builder.Configuration.GetSection(EmulatorOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return Compose(builder, options, timeProvider);
    }

    /// <summary>
    /// An emulator that reads no ambient configuration (no appsettings, environment or command line) and listens
    /// on a free loopback port: what <see cref="RunningEmulator"/> hosts inside tests and other processes.
    /// </summary>
    internal static WebApplication BuildIsolated(EmulatorOptions options, TimeProvider? timeProvider)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        return Compose(builder, options, timeProvider);
    }

    static WebApplication Compose(WebApplicationBuilder builder, EmulatorOptions options, TimeProvider? timeProvider)
    {
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<MediaLibrary>();

        // The clock stays private to the emulator: registered as the container's TimeProvider, a fake clock
        // would also drive Kestrel's own timeouts.
        TimeProvider clock = timeProvider ?? TimeProvider.System;
        builder.Services.AddSingleton(new EmulatorStats(clock));
        builder.Services.AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(sp => new WebhookSender(options, clock, sp.GetRequiredService<EmulatorStats>(),
            sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<ILogger<WebhookSender>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddSingleton(sp => new EmulatorState(options, clock, sp.GetRequiredService<MediaLibrary>(),
            sp.GetRequiredService<EmulatorStats>(), sp.GetRequiredService<WebhookSender>()));

        WebApplication app = builder.Build();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapVideoApi();
        app.MapRunwayApi();
        app.MapEmulatorAdmin();
        return app;
    }

    /// <summary>The first address the started server listens on.</summary>
    internal static Uri ListeningAddress(WebApplication app)
    {
        ICollection<string>? addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()?.Addresses;
        string first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The emulator is not listening.");
        return new Uri(first.EndsWith('/') ? first : first + "/");
    }
}
