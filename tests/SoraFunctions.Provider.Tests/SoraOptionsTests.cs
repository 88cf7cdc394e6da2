using System.Net.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Provider.Tests;

/// <summary>Options validation, binding and the DI registration.</summary>
public sealed class SoraOptionsTests
{
    static ValidateOptionsResult Validate(SoraOptions options) => new SoraOptionsValidator().Validate(null, options);

    static ServiceProvider BuildServices(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSoraProvider();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Validate_Defaults_FailOnlyForMissingKey()
    {
        ValidateOptionsResult result = Validate(new SoraOptions());

        Assert.True(result.Failed);
        string failure = Assert.Single(result.Failures!);
        Assert.Contains("Sora:ApiKey", failure, StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SoraAuthMode.Bearer)]
    [InlineData(SoraAuthMode.ApiKeyHeader)]
    public void Validate_NonLoopbackWithoutKey_FailsNamingApiKey(SoraAuthMode mode)
    {
        ValidateOptionsResult result = Validate(new SoraOptions { BaseUrl = "https://gateway.example.com/v1", AuthMode = mode, ApiKey = "  " });

        Assert.Contains(result.Failures ?? [], f => f.Contains("Sora:ApiKey", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080/v1")]
    [InlineData("http://localhost:5080/v1")]
    [InlineData("http://[::1]:5080/v1")]
    public void Validate_LoopbackWithoutKey_Succeeds(string baseUrl)
    {
        Assert.True(Validate(new SoraOptions { BaseUrl = baseUrl }).Succeeded);
    }

    [Fact]
    public void Validate_EntraIdWithoutKey_Succeeds()
    {
        Assert.True(Validate(new SoraOptions { BaseUrl = "https://res.openai.azure.com/openai/v1", AuthMode = SoraAuthMode.EntraId }).Succeeded);
    }

    [Theory]
    [InlineData(SoraAuthMode.Bearer)]
    [InlineData(SoraAuthMode.ApiKeyHeader)]
    [InlineData(SoraAuthMode.EntraId)]
    public void Validate_PlainHttpBeyondLoopback_FailsInEveryAuthMode(SoraAuthMode mode)
    {
        ValidateOptionsResult result = Validate(new SoraOptions { BaseUrl = "http://gateway.example.com/v1", AuthMode = mode, ApiKey = "sk-123456" });

        Assert.Contains(result.Failures ?? [], f => f.Contains("Sora:BaseUrl must use https", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ApiKey")]
    [InlineData("WebhookSecret")]
    public void Validate_UnresolvedKeyVaultReference_FailsNamingTheKeyAndTheIdentity(string property)
    {
        const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/sora-api-key/)";
        var options = new SoraOptions { BaseUrl = "https://gateway.example.com/v1", ApiKey = "sk-123456" };
        if (property == "ApiKey")
        {
            options.ApiKey = Reference;
        }
        else
        {
            options.WebhookSecret = Reference;
        }

        ValidateOptionsResult result = Validate(options);

        string failure = Assert.Single(result.Failures ?? []);
        Assert.Contains($"Sora:{property}", failure, StringComparison.Ordinal);
        Assert.Contains("identity cannot read the secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaxVideoBytesNotPositiveOrBadContentHost_FailsNamingTheKeys()
    {
        var options = new SoraOptions { BaseUrl = "http://127.0.0.1:5080/v1", MaxVideoBytes = 0 };
        options.ContentHosts.Add("not a host/");

        ValidateOptionsResult result = Validate(options);

        Assert.Contains(result.Failures ?? [], f => f.Contains("Sora:MaxVideoBytes", StringComparison.Ordinal));
        Assert.Contains(result.Failures ?? [], f => f.Contains("Sora:ContentHosts:0", StringComparison.Ordinal));
        Assert.Equal(4L * 1024 * 1024 * 1024, new SoraOptions().MaxVideoBytes);
    }

    [Fact]
    public void Validate_EntraIdOverPlainHttp_Fails()
    {
        ValidateOptionsResult result = Validate(new SoraOptions { BaseUrl = "http://res.example.com/openai/v1", AuthMode = SoraAuthMode.EntraId });

        Assert.Contains(result.Failures ?? [], f => f.Contains("Sora:BaseUrl must use https", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("/v1")]
    [InlineData("ftp://example.com/v1")]
    [InlineData("")]
    public void Validate_BadBaseUrl_FailsWithKeyName(string baseUrl)
    {
        ValidateOptionsResult result = Validate(new SoraOptions { BaseUrl = baseUrl, ApiKey = "k" });

        Assert.Contains("Sora:BaseUrl must be an absolute http or https URL", result.Failures ?? []);
    }

    [Theory]
    [InlineData("720X1280")]
    [InlineData("720x")]
    [InlineData("big")]
    [InlineData("0x720")]
    public void Validate_BadSize_FailsWithKeyName(string size)
    {
        ValidateOptionsResult result = Validate(new SoraOptions { DefaultSize = size, ApiKey = "k" });

        Assert.Contains(result.Failures ?? [], f => f.StartsWith("Sora:DefaultSize", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("four")]
    [InlineData("4.5")]
    [InlineData("0")]
    public void Validate_BadSeconds_FailsWithKeyName(string seconds)
    {
        ValidateOptionsResult result = Validate(new SoraOptions { DefaultSeconds = seconds, ApiKey = "k" });

        Assert.Contains(result.Failures ?? [], f => f.StartsWith("Sora:DefaultSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingKey()
    {
        OptionsValidationException exception = Assert.Throws<OptionsValidationException>(() =>
            new SoraClient(new HttpClient(), new SoraOptions { BaseUrl = "nope", ApiKey = "k" }));

        Assert.Contains("Sora:BaseUrl", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSoraProvider_SectionValues_Bound()
    {
        using ServiceProvider services = BuildServices(new()
        {
            ["Sora:BaseUrl"] = "https://res.openai.azure.com/openai/v1",
            ["Sora:ApiKey"] = "azure-key",
            ["Sora:AuthMode"] = "ApiKeyHeader",
            ["Sora:DefaultModel"] = "my-sora-deployment",
            ["Sora:DefaultSeconds"] = "8",
            ["Sora:DefaultSize"] = "1280x720",
            ["Sora:RequestTimeoutSeconds"] = "42",
        });

        SoraOptions options = services.GetRequiredService<IOptions<SoraOptions>>().Value;

        Assert.Equal("https://res.openai.azure.com/openai/v1", options.BaseUrl);
        Assert.Equal("azure-key", options.ApiKey);
        Assert.Equal(SoraAuthMode.ApiKeyHeader, options.AuthMode);
        Assert.Equal("my-sora-deployment", options.DefaultModel);
        Assert.Equal("8", options.DefaultSeconds);
        Assert.Equal("1280x720", options.DefaultSize);
        Assert.Equal(42, options.RequestTimeoutSeconds);
    }

    [Fact]
    public void AddSoraProvider_ApiKeyUnset_FallsBackToOpenAIApiKey()
    {
        using ServiceProvider services = BuildServices(new() { ["OPENAI_API_KEY"] = "sk-from-env" });

        Assert.Equal("sk-from-env", services.GetRequiredService<IOptions<SoraOptions>>().Value.ApiKey);
    }

    [Fact]
    public void AddSoraProvider_ApiKeySet_WinsOverOpenAIApiKey()
    {
        using ServiceProvider services = BuildServices(new() { ["OPENAI_API_KEY"] = "sk-from-env", ["Sora:ApiKey"] = "sk-configured" });

        Assert.Equal("sk-configured", services.GetRequiredService<IOptions<SoraOptions>>().Value.ApiKey);
    }

    [Fact]
    public void AddSoraProvider_Resolve_SingletonClientOnNamedHttpClientWithoutAutoRedirect()
    {
        using ServiceProvider services = BuildServices(new() { ["Sora:BaseUrl"] = "http://127.0.0.1:5080/v1" });

        ISoraClient first = services.GetRequiredService<ISoraClient>();
        ISoraClient second = services.GetRequiredService<ISoraClient>();
        HttpMessageHandler? handler = services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(SoraClient.HttpClientName);
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        Assert.IsType<SoraClient>(first);
        Assert.Same(first, second);
        SocketsHttpHandler primary = Assert.IsType<SocketsHttpHandler>(handler);
        Assert.False(primary.AllowAutoRedirect);
    }

    [Fact]
    public async Task AddSoraProvider_InvalidSettings_HostStartFailsNamingKey()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sora:BaseUrl"] = "https://api.openai.com/v1",
            ["Sora:DefaultSize"] = "huge",
        });
        builder.Services.AddSoraProvider();
        using IHost host = builder.Build();

        OptionsValidationException exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Sora:ApiKey", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Sora:DefaultSize", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSoraProvider_TimeoutOutOfRange_HostStartFailsNamingKey()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sora:BaseUrl"] = "http://127.0.0.1:5080/v1",
            ["Sora:RequestTimeoutSeconds"] = "0",
        });
        builder.Services.AddSoraProvider();
        using IHost host = builder.Build();

        OptionsValidationException exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Sora:RequestTimeoutSeconds", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSoraProvider_ValidSettings_HostStartsAndClientWorksAgainstEmulator()
    {
        await using SoraEmulator.RunningEmulator emulator = await SoraEmulator.RunningEmulator.StartAsync();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Sora:BaseUrl"] = emulator.ApiBaseUrl.ToString() });
        builder.Services.AddSoraProvider();
        using IHost host = builder.Build();
        await host.StartAsync();

        SoraResult<SoraVideo> result = await host.Services.GetRequiredService<ISoraClient>().CreateVideoAsync(new SoraCreateRequest("A quiet harbour"));

        Assert.True(result.IsSuccess, result.ToString());
        await host.StopAsync();
    }
}
