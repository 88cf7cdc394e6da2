using Microsoft.Extensions.Time.Testing;
using SoraEmulator;

namespace SoraFunctions.Provider.Tests.Support;

/// <summary>
/// One emulator on a free loopback port for a test class, on a fake clock (render time passes only when a test
/// advances it), and a client without a key. Directives are per prompt, so tests use unique prompts.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public const double RenderSeconds = 20;

    RunningEmulator? emulator;
    HttpClient? http;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public RunningEmulator Emulator => emulator ?? throw new InvalidOperationException("Not started.");

    public SoraClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = RenderSeconds, QueuedFraction = 0.1 }, Clock);
        http = new HttpClient(SoraClient.CreatePrimaryHandler());
        Client = CreateClient(null);
    }

    public SoraClient CreateClient(string? apiKey, SoraAuthMode mode = SoraAuthMode.Bearer) =>
        new(http!, new SoraOptions { BaseUrl = Emulator.ApiBaseUrl.ToString(), ApiKey = apiKey, AuthMode = mode, RequestTimeoutSeconds = 30 });

    /// <summary>Moves the emulator's clock past every pending render.</summary>
    public void FinishRenders() => Clock.Advance(TimeSpan.FromSeconds(RenderSeconds + 1));

    /// <summary>A prompt no other test uses, with the given directives.</summary>
    public static string Prompt(string directives = "") => $"A lighthouse at dawn {Guid.NewGuid():N} {directives}".Trim();

    /// <summary>Creates a video and finishes its render.</summary>
    public async Task<SoraVideo> CreateCompletedAsync(string directives = "", SoraClient? client = null)
    {
        SoraResult<SoraVideo> created = await (client ?? Client).CreateVideoAsync(new SoraCreateRequest(Prompt(directives)));
        Assert.True(created.IsSuccess, created.ToString());
        FinishRenders();
        SoraResult<SoraVideo> done = await (client ?? Client).GetVideoAsync(created.Value!.Id);
        Assert.True(done.IsSuccess, done.ToString());
        Assert.Equal(SoraVideoStatus.Completed, done.Value!.Status);
        return done.Value;
    }

    public async Task DisposeAsync()
    {
        http?.Dispose();
        if (emulator is not null)
        {
            await emulator.DisposeAsync();
        }
    }
}
