using Microsoft.Extensions.Time.Testing;
using SoraEmulator;

namespace SoraFunctions.Provider.Tests.Support;

/// <summary>An emulator that requires a key (<see cref="Key"/>), on a fake clock.</summary>
public sealed class KeyedEmulatorFixture : IAsyncLifetime
{
    public const string Key = "sk-emulator-right-key-0123456789";

    RunningEmulator? emulator;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public HttpClient Http { get; } = new(SoraClient.CreatePrimaryHandler());

    public RunningEmulator Emulator => emulator ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() =>
        emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = EmulatorFixture.RenderSeconds, ApiKey = Key }, Clock);

    public SoraClient CreateClient(string? apiKey, SoraAuthMode mode = SoraAuthMode.Bearer) =>
        new(Http, new SoraOptions { BaseUrl = Emulator.ApiBaseUrl.ToString(), ApiKey = apiKey, AuthMode = mode, RequestTimeoutSeconds = 30 });

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (emulator is not null)
        {
            await emulator.DisposeAsync();
        }
    }
}
