using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace SoraEmulator.Tests;

public sealed class EmulatorAppTests
{
    [Fact]
    public async Task Build_CommandLineSettings_BindEmulatorSectionThenConfigure()
    {
        await using WebApplication app = EmulatorApp.Build(
            ["--Emulator:RenderSeconds=5", "--Emulator:PollAfterMs=250", "--Emulator:ApiKey=sk-cli"],
            options => options.ExpiresAfterSeconds = 60);

        EmulatorOptions options = app.Services.GetRequiredService<EmulatorOptions>();

        Assert.Equal(5, options.RenderSeconds);
        Assert.Equal(250, options.PollAfterMs);
        Assert.Equal("sk-cli", options.ApiKey);
        Assert.Equal(60, options.ExpiresAfterSeconds);
        Assert.Equal(0.1, options.QueuedFraction);
    }

    [Theory]
    [InlineData("--Emulator:RenderSeconds=-1", "Emulator:RenderSeconds")]
    [InlineData("--Emulator:QueuedFraction=1.5", "Emulator:QueuedFraction")]
    [InlineData("--Emulator:ExpiresAfterSeconds=-5", "Emulator:ExpiresAfterSeconds")]
    [InlineData("--Emulator:WebhookSecret=not-a-secret", "Emulator:WebhookSecret")]
    [InlineData("--Emulator:WebhookSecret=whsec_***", "Emulator:WebhookSecret")]
    [InlineData("--Emulator:WebhookUrl=ftp://example.com/hook", "Emulator:WebhookUrl")]
    [InlineData("--Emulator:WebhookUrl=http://127.0.0.1:9/hook", "Emulator:WebhookSecret")]
    [InlineData("--Emulator:WebhookMaxAttempts=0", "Emulator:WebhookMaxAttempts")]
    public void Build_BadSetting_ThrowsNamingKey(string argument, string key)
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => EmulatorApp.Build([argument]));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_WebhookSettings_Bind()
    {
        await using WebApplication app = EmulatorApp.Build(
            ["--Emulator:WebhookUrl=http://127.0.0.1:9/hooks", "--Emulator:WebhookSecret=whsec_c2VjcmV0", "--Emulator:WebhookMaxAttempts=2"]);

        EmulatorOptions options = app.Services.GetRequiredService<EmulatorOptions>();

        Assert.Equal(new Uri("http://127.0.0.1:9/hooks"), options.WebhookUrl);
        Assert.Equal("whsec_c2VjcmV0", options.WebhookSecret);
        Assert.Equal(2, options.WebhookMaxAttempts);
    }

    [Fact]
    public async Task StartAsync_Twice_BindsDistinctFreeLoopbackPorts()
    {
        await using RunningEmulator first = await RunningEmulator.StartAsync();
        await using RunningEmulator second = await RunningEmulator.StartAsync();

        Assert.Equal("127.0.0.1", first.BaseAddress.Host);
        Assert.NotEqual(first.BaseAddress.Port, second.BaseAddress.Port);
        Assert.Equal(new Uri(first.BaseAddress, "v1"), first.ApiBaseUrl);
        Assert.EndsWith("/v1", first.ApiBaseUrl.ToString(), StringComparison.Ordinal);
    }
}
