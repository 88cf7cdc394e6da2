using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Provider;
using SoraFunctions.Provider.Sora;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Unit;

/// <summary>The settings users copy (local.settings.sample.json) bind and validate; bad values fail naming their key.</summary>
public class SettingsTests
{
    static Dictionary<string, string?> SampleValues()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
    }

    static ServiceProvider Build(Dictionary<string, string?> values)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddVideoPipeline(configuration).AddVideoProvider(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Sample_BindsAndValidatesWithTheValuesItNames()
    {
        using ServiceProvider provider = Build(SampleValues());

        provider.GetRequiredService<IStartupValidator>().Validate();
        SoraOptions sora = provider.GetRequiredService<IOptions<SoraOptions>>().Value;
        PipelineOptions pipeline = provider.GetRequiredService<IOptions<PipelineOptions>>().Value;
        Assert.Equal("http://127.0.0.1:5080/v1", sora.BaseUrl);
        Assert.Equal(("sora-2", "4", "720x1280"), (sora.DefaultModel, sora.DefaultSeconds, sora.DefaultSize));
        Assert.Equal(10_000, provider.GetRequiredService<IOptions<VideoApiOptions>>().Value.MaxPromptLength);
        Assert.Equal(2, pipeline.MinPollSeconds);
        Assert.Equal("videos", provider.GetRequiredService<IOptions<VideoStorageOptions>>().Value.Container);
    }

    [Fact]
    public void Sample_NamesEveryKeyTheCodeReads()
    {
        HashSet<string> sample = [.. SampleValues().Keys.Select(k => k.Replace(":", "__", StringComparison.Ordinal))];
        Assert.All(VideoProviderRegistration.AllSettingKeys, key => Assert.Contains(key, sample));
    }

    [Theory]
    [InlineData("Sora:BaseUrl", "not a url", "Sora:BaseUrl")]
    [InlineData("Sora:DefaultSize", "big", "Sora:DefaultSize")]
    [InlineData("Sora:WebhookSecret", "not-a-whsec", "Sora:WebhookSecret")]
    [InlineData("Sora:WebhookSecret", "whsec_!!!", "Sora:WebhookSecret")]
    [InlineData("Pipeline:MinPollSeconds", "90", "Pipeline:MinPollSeconds")]
    [InlineData("Pipeline:JobTimeoutMinutes", "0", "JobTimeoutMinutes")]
    [InlineData("Videos:MaxPromptLength", "0", "MaxPromptLength")]
    [InlineData("VideoStorage:Container", "Bad_Name", "VideoStorage:Container")]
    [InlineData("Catalog:TableName", "1x", "Catalog:TableName")]
    [InlineData("Videos:Models:0:Sizes:0", "huge", "Videos:Models:0:Sizes")]
    public void BadValue_FailsAtStartNamingTheKey(string key, string value, string named)
    {
        Dictionary<string, string?> values = SampleValues();
        values[key] = value;
        if (key.StartsWith("Videos:Models", StringComparison.Ordinal))
        {
            values["Videos:Models:0:Name"] = "m";
        }

        using ServiceProvider provider = Build(values);

        Exception error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        string message = error is AggregateException aggregate ? string.Join(" ", aggregate.InnerExceptions.Select(e => e.Message)) : error.Message;
        Assert.Contains(named, message, StringComparison.Ordinal);
    }
}
