using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SoraFunctions.Provider.Runway;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Tests.Runway;

/// <summary>Runway's options: validation naming keys, the secret's fallback, and selection by <c>Provider</c>.</summary>
public sealed class RunwayOptionsTests
{
    static ValidateOptionsResult Validate(RunwayOptions options) => new RunwayOptionsValidator().Validate(null, options);

    static IHost BuildHost(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddVideoProvider(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public void Validate_Defaults_FailOnlyForMissingKey()
    {
        ValidateOptionsResult result = Validate(new RunwayOptions());

        string failure = Assert.Single(result.Failures!);
        Assert.Contains("Runway:ApiKey", failure, StringComparison.Ordinal);
        Assert.Contains("RUNWAYML_API_SECRET", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnresolvedKeyVaultReference_FailsNamingTheKeyAndTheIdentity()
    {
        ValidateOptionsResult result = Validate(new RunwayOptions { ApiKey = "@Microsoft.KeyVault(VaultName=kv;SecretName=runway)" });

        string failure = Assert.Single(result.Failures ?? []);
        Assert.Contains("Runway:ApiKey", failure, StringComparison.Ordinal);
        Assert.Contains("identity cannot read the secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PlainHttpBeyondLoopback_Fails()
    {
        ValidateOptionsResult result = Validate(new RunwayOptions { ApiKey = "key", BaseUrl = "http://api.example.com" });

        Assert.Contains(result.Failures ?? [], f => f.Contains("Runway:BaseUrl must use https", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MaxVideoBytesNotPositive_FailsNamingTheKey()
    {
        ValidateOptionsResult result = Validate(new RunwayOptions { ApiKey = "key", MaxVideoBytes = -1 });

        Assert.Contains(result.Failures ?? [], f => f.Contains("Runway:MaxVideoBytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultsWithKey_Succeed()
    {
        Assert.True(Validate(new RunwayOptions { ApiKey = "key" }).Succeeded);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080/")]
    [InlineData("http://[::1]:5080")]
    public void Validate_LoopbackWithoutKey_Succeeds(string baseUrl)
    {
        Assert.True(Validate(new RunwayOptions { BaseUrl = baseUrl }).Succeeded);
    }

    [Theory]
    [InlineData("BaseUrl", "not a url", "Runway:BaseUrl must be an absolute https URL")]
    [InlineData("BaseUrl", "ftp://api.example.com", "Runway:BaseUrl must be an absolute https URL")]
    [InlineData("BaseUrl", "http://api.example.com", "Runway:BaseUrl must use https unless it is a loopback address")]
    [InlineData("ApiVersion", " ", "Runway:ApiVersion is required")]
    [InlineData("DefaultModel", "", "Runway:DefaultModel is required")]
    [InlineData("DefaultSize", "1280:720", "Runway:DefaultSize must be WIDTHxHEIGHT")]
    [InlineData("DefaultSeconds", "4.5", "Runway:DefaultSeconds must be a whole number")]
    [InlineData("RequestTimeoutSeconds", "0", "Runway:RequestTimeoutSeconds must be between 1 and 600")]
    [InlineData("RequestTimeoutSeconds", "601", "Runway:RequestTimeoutSeconds must be between 1 and 600")]
    [InlineData("ApiKey", "key with space", "Runway:ApiKey must not contain spaces")]
    public void Validate_BadValue_FailsNamingKey(string property, string value, string message)
    {
        var options = new RunwayOptions { ApiKey = "key" };
        System.Reflection.PropertyInfo info = typeof(RunwayOptions).GetProperty(property)!;
        info.SetValue(options, info.PropertyType == typeof(int) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value);

        ValidateOptionsResult result = Validate(options);

        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void AddRunwayProvider_SecretOnlyInFallback_UsesIt()
    {
        using IHost host = BuildHost(new() { ["Provider"] = "Runway", ["RUNWAYML_API_SECRET"] = " key_from_env " });

        Assert.Equal("key_from_env", host.Services.GetRequiredService<IOptions<RunwayOptions>>().Value.ApiKey);
    }

    [Fact]
    public void AddRunwayProvider_BothSet_ConfiguredKeyWins()
    {
        using IHost host = BuildHost(new() { ["Provider"] = "Runway", ["RUNWAYML_API_SECRET"] = "key_from_env", ["Runway:ApiKey"] = "key_configured" });

        Assert.Equal("key_configured", host.Services.GetRequiredService<IOptions<RunwayOptions>>().Value.ApiKey);
    }

    [Fact]
    public async Task ProviderRunway_BadSoraSettings_StartsAndResolvesRunway()
    {
        using IHost host = BuildHost(new()
        {
            ["Provider"] = "runway",
            ["RUNWAYML_API_SECRET"] = "key_from_env",
            ["Sora:BaseUrl"] = "not a url",
            ["Sora:DefaultSize"] = "huge",
        });

        await host.StartAsync();

        IVideoProvider provider = host.Services.GetRequiredService<IVideoProvider>();
        Assert.IsType<RunwayVideoProvider>(provider);
        Assert.Null(host.Services.GetService<ISoraClient>());
        await host.StopAsync();
    }

    [Fact]
    public async Task ProviderSora_BadRunwaySettings_StartsAndResolvesSora()
    {
        using IHost host = BuildHost(new()
        {
            ["Provider"] = "Sora",
            ["Sora:BaseUrl"] = "http://127.0.0.1:5080/v1",
            ["Runway:BaseUrl"] = "http://api.example.com",
            ["Runway:DefaultSize"] = "huge",
        });

        await host.StartAsync();

        Assert.IsType<SoraVideoProvider>(host.Services.GetRequiredService<IVideoProvider>());
        Assert.Null(host.Services.GetService<RunwayClient>());
        await host.StopAsync();
    }

    [Fact]
    public async Task ProviderRunway_InvalidSettings_HostStartFailsNamingKeys()
    {
        using IHost host = BuildHost(new() { ["Provider"] = "Runway", ["Runway:DefaultSeconds"] = "long" });

        OptionsValidationException exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Runway:ApiKey", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Runway:DefaultSeconds", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRunwayProvider_HttpClients_DoNotFollowRedirects()
    {
        using IHost host = BuildHost(new() { ["Provider"] = "Runway", ["Runway:BaseUrl"] = "http://127.0.0.1:5080" });
        IHttpMessageHandlerFactory handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        foreach (string name in new[] { RunwayClient.HttpClientName, RunwayClient.OutputHttpClientName })
        {
            HttpMessageHandler handler = handlers.CreateHandler(name);
            while (handler is DelegatingHandler delegating)
            {
                handler = delegating.InnerHandler!;
            }

            Assert.False(Assert.IsType<SocketsHttpHandler>(handler).AllowAutoRedirect);
        }

        Assert.Same(host.Services.GetRequiredService<RunwayClient>(), host.Services.GetRequiredService<RunwayClient>());
    }

    [Fact]
    public void AllSettingKeys_Runway_AreListed()
    {
        Assert.Contains("Runway__ApiKey", VideoProviderRegistration.AllSettingKeys);
        Assert.Contains("Runway__ApiVersion", VideoProviderRegistration.AllSettingKeys);
        Assert.Contains("Runway", VideoProviderRegistration.Names);
    }
}
