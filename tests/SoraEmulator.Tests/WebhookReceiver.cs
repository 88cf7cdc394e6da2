using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SoraEmulator.Tests;

/// <summary>A real HTTP endpoint on loopback that records webhook deliveries; the first N answer 500.</summary>
sealed class WebhookReceiver : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentQueue<Delivery> deliveries = new();
    int failuresLeft;

    WebhookReceiver(WebApplication app, int failFirst)
    {
        this.app = app;
        failuresLeft = failFirst;
    }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Delivery> Deliveries => [.. deliveries];

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var receiver = new WebhookReceiver(app, failFirst);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hooks/sora");
        return receiver;
    }

    async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string body = await reader.ReadToEndAsync();
        var headers = new HeaderDictionary();
        foreach ((string? name, Microsoft.Extensions.Primitives.StringValues value) in context.Request.Headers)
        {
            headers[name] = value;
        }

        bool failed = Interlocked.Decrement(ref failuresLeft) >= 0;
        context.Response.StatusCode = failed ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        deliveries.Enqueue(new Delivery(context.Request.Path, body, headers, context.Response.StatusCode));
    }

    /// <summary>Waits (real time, with a deadline) until <paramref name="count"/> deliveries arrived, calling <paramref name="tick"/> between looks.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAsync(int count, Action? tick = null, double seconds = 10)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (deliveries.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {deliveries.Count} of {count} webhook deliveries arrived.");
            tick?.Invoke();
            await Task.Delay(20);
        }

        return Deliveries;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    internal sealed record Delivery(string Path, string Body, IHeaderDictionary Headers, int AnsweredStatus)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
    }
}
