namespace SoraEmulator;

/// <summary>
/// An emulator running in this process on a free loopback port (http://127.0.0.1:0). It reads no ambient
/// configuration: only the options given. Dispose it to stop the server.
/// </summary>
public sealed class RunningEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorState _state;

    private RunningEmulator(WebApplication app, Uri baseAddress)
    {
        _app = app;
        _state = app.Services.GetRequiredService<EmulatorState>();
        BaseAddress = baseAddress;
        ApiBaseUrl = new Uri(baseAddress, "v1");
    }

    /// <summary><c>http://127.0.0.1:{port}/</c>: also the Runway base URL (its routes are <c>/v1/text_to_video</c>, <c>/v1/tasks/{id}</c>, …).</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>http://127.0.0.1:{port}/v1</c>: the Sora base URL for clients.</summary>
    public Uri ApiBaseUrl { get; }

    /// <summary>The live options (a copy of those given): changes apply to the next request.</summary>
    public EmulatorOptions Options => _state.Options;

    /// <summary>The counters also served by <c>GET /_emulator/stats</c>.</summary>
    public EmulatorStats Stats => _state.Stats;

    /// <summary>Forgets every job and counter, like <c>POST /_emulator/reset</c>.</summary>
    public void Reset() => _state.Reset();

    /// <summary>Starts an emulator on a free loopback port.</summary>
    public static async Task<RunningEmulator> StartAsync(EmulatorOptions? options = null, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        var copy = (options ?? new EmulatorOptions()).CopyTo(new EmulatorOptions());
        var app = EmulatorApp.BuildIsolated(copy, timeProvider);
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
            await _app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
