namespace SoraEmulator;

/// <summary>
/// An emulator running in this process on a free loopback port (http://127.0.0.1:0). It reads no ambient
/// configuration: only the options given. Dispose it to stop the server.
/// </summary>
public sealed class RunningEmulator : IAsyncDisposable
{
    readonly WebApplication app;
    readonly EmulatorState state;

    RunningEmulator(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        state = app.Services.GetRequiredService<EmulatorState>();
        BaseAddress = baseAddress;
        ApiBaseUrl = new Uri(baseAddress, "v1");
    }

    /// <summary><c>http://127.0.0.1:{port}/</c>: also the Runway base URL (its routes are <c>/v1/text_to_video</c>, <c>/v1/tasks/{id}</c>, …).</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>http://127.0.0.1:{port}/v1</c>: the Sora base URL for clients.</summary>
    public Uri ApiBaseUrl { get; }

    /// <summary>The live options (a copy of those given): changes apply to the next request.</summary>
    public EmulatorOptions Options => state.Options;

    /// <summary>The counters also served by <c>GET /_emulator/stats</c>.</summary>
    public EmulatorStats Stats => state.Stats;

    /// <summary>Forgets every job and counter, like <c>POST /_emulator/reset</c>.</summary>
    public void Reset() => state.Reset();

    /// <summary>Starts an emulator on a free loopback port.</summary>
    public static async Task<RunningEmulator> StartAsync(EmulatorOptions? options = null, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        EmulatorOptions copy = (options ?? new EmulatorOptions()).CopyTo(new EmulatorOptions());
        WebApplication app = EmulatorApp.BuildIsolated(copy, timeProvider);
        try
        {
            await app.StartAsync(cancellationToken);
            return new RunningEmulator(app, EmulatorApp.ListeningAddress(app));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server and releases its port.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
