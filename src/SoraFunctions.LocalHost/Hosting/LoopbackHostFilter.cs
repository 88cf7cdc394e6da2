using System.Net;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using SoraFunctions.Http;

namespace SoraFunctions.LocalHost.Hosting;

/// <summary>
/// The hosts whose name a request's <c>Host</c> header may carry. On a shared machine a page in a browser can reach
/// a loopback port under another name (DNS rebinding), so by default only loopback names are answered:
/// <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>, on any port. <c>LocalHost__AllowedHosts</c> (or ASP.NET's
/// <c>AllowedHosts</c>), a <c>;</c>-separated list, replaces them: <c>*</c> allows any host, <c>*.example.com</c>
/// its subdomains.
/// </summary>
public sealed class LocalHostAllowedHosts
{
    public const string Key = "LocalHost:AllowedHosts";

    public static readonly IReadOnlyList<string> Loopback = ["localhost", "127.0.0.1", "[::1]"];

    readonly string[] hosts;

    public LocalHostAllowedHosts(IEnumerable<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        this.hosts = [.. hosts.Select(h => h.Trim()).Where(h => h.Length > 0)];
    }

    public IReadOnlyList<string> Hosts => hosts;

    public bool AllowsAny => hosts.Contains("*");

    public bool OnlyLoopback => hosts.All(h => Loopback.Contains(h, StringComparer.OrdinalIgnoreCase));

    /// <summary>From <c>LocalHost:AllowedHosts</c> (a list or its <c>:N</c> children), else <c>AllowedHosts</c>, else loopback.</summary>
    public static LocalHostAllowedHosts From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection own = configuration.GetSection(Key);
        string? text = own.Value ?? (own.GetChildren().Any() ? string.Join(';', own.GetChildren().Select(c => c.Value)) : null);
        if (string.IsNullOrWhiteSpace(text))
        {
            text = configuration["AllowedHosts"];
        }

        return string.IsNullOrWhiteSpace(text)
            ? new LocalHostAllowedHosts(Loopback)
            : new LocalHostAllowedHosts(text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>True when a request with this <c>Host</c> header may be answered; the port does not matter.</summary>
    public bool Allows(HostString host)
    {
        if (AllowsAny)
        {
            return true;
        }

        if (!host.HasValue)
        {
            return false;
        }

        string name;
        try
        {
            name = host.Host;
        }
        catch (FormatException)
        {
            return false;
        }

        foreach (string allowed in hosts)
        {
            if (string.Equals(allowed, name, StringComparison.OrdinalIgnoreCase)
                || (allowed.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The listening addresses that are reachable beyond this machine (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, a LAN address).</summary>
    public static IReadOnlyList<string> BeyondLoopback(IEnumerable<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return [.. addresses.Where(a => !IsLoopbackAddress(a))];
    }

    static bool IsLoopbackAddress(string address)
    {
        try
        {
            string host = BindingAddress.Parse(address).Host;
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Answers a request whose <c>Host</c> is not allowed with a 400 problem (code <c>host_not_allowed</c>).</summary>
public sealed class LoopbackHostFilter(RequestDelegate next, LocalHostAllowedHosts allowed)
{
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return allowed.Allows(context.Request.Host)
            ? next(context)
            : new ApiProblem(
                StatusCodes.Status400BadRequest,
                ProblemCodes.HostNotAllowed,
                "The Host header is not allowed.",
                $"This host answers only requests for {string.Join(", ", allowed.Hosts)}. Set LocalHost__AllowedHosts to allow more.").ExecuteAsync(context);
    }
}

/// <summary>The HTTP side of the local host, shared by the real host and the in-process tests.</summary>
public static class LocalHostHttp
{
    /// <summary>The host filter (ASP.NET's own, which answers a bare 400, is turned off in its favour).</summary>
    public static IServiceCollection AddLocalHostHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(LocalHostAllowedHosts.From(configuration));
        services.Configure<HostFilteringOptions>(options => options.AllowedHosts = ["*"]);
        return services;
    }

    /// <summary>
    /// Problems first (so that nothing, in any environment, reaches the developer exception page), then the host
    /// filter, routing, and the API's and the Durable management API's routes.
    /// </summary>
    public static WebApplication UseLocalHostHttp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ApiProblemMiddleware>();
        app.UseMiddleware<LoopbackHostFilter>();
        app.UseRouting();
        app.MapVideoApi();
        Management.DurableManagementEndpoints.MapDurableManagementApi(app);
        app.Lifetime.ApplicationStarted.Register(() => WarnWhenExposed(app));
        return app;
    }

    static void WarnWhenExposed(WebApplication app)
    {
        ICollection<string>? addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        IReadOnlyList<string> exposed = LocalHostAllowedHosts.BeyondLoopback(addresses ?? []);
        if (exposed.Count == 0)
        {
            return;
        }

        LocalHostAllowedHosts allowed = app.Services.GetRequiredService<LocalHostAllowedHosts>();
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LocalHostDefaults.LogCategory);
        logger.LogWarning(
            "WARNING: the local host listens beyond loopback ({Addresses}). Its API has no authentication: anyone who can reach this machine can start paid jobs and read videos. {HostRule}",
            string.Join(", ", exposed),
            allowed.OnlyLoopback
                ? "Requests are still refused unless their Host header names loopback; set LocalHost__AllowedHosts to the names clients use."
                : $"Allowed Host headers: {string.Join(", ", allowed.Hosts)}.");
    }
}
