using Microsoft.Extensions.Configuration;
using SoraFunctions.LocalHost.Hosting;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>What the local host starts besides itself, from what the configuration names.</summary>
public class LocalInfrastructurePlanTests
{
    static LocalInfrastructurePlan Plan(params (string Key, string Value)[] settings) =>
        LocalInfrastructurePlan.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void From_NothingConfigured_StartsEmulatorAndAzurite()
    {
        Assert.Equal(new LocalInfrastructurePlan(StartEmulator: true, StartAzurite: true), Plan());
    }

    [Theory]
    [InlineData("Sora:BaseUrl", "https://gateway.example.com/v1")]
    [InlineData("Sora:ApiKey", "key")]
    [InlineData("OPENAI_API_KEY", "key")]
    public void From_ProviderNamed_StartsNoEmulator(string key, string value)
    {
        Assert.False(Plan((key, value)).StartEmulator);
        Assert.True(Plan((key, value)).StartAzurite);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage", "UseDevelopmentStorage=true")]
    [InlineData("VideoStorage", "UseDevelopmentStorage=true")]
    [InlineData("AzureWebJobsStorage:accountName", "mystorage")]
    [InlineData("VideoStorage:blobServiceUri", "https://mystorage.blob.core.windows.net")]
    public void From_StorageNamed_StartsNoAzurite(string key, string value)
    {
        Assert.False(Plan((key, value)).StartAzurite);
        Assert.True(Plan((key, value)).StartEmulator);
    }

    [Theory]
    [InlineData("Runway:BaseUrl", "https://api.dev.runwayml.com")]
    [InlineData("Runway:ApiKey", "key")]
    [InlineData("RUNWAYML_API_SECRET", "key")]
    public void From_RunwaySelectedAndNamed_StartsNoEmulator(string key, string value)
    {
        LocalInfrastructurePlan plan = Plan(("Provider", "Runway"), (key, value));

        Assert.False(plan.StartEmulator);
        Assert.Equal("Runway", plan.Provider);
    }

    [Theory]
    [InlineData("Sora:BaseUrl", "https://gateway.example.com/v1")]
    [InlineData("Sora:ApiKey", "key")]
    [InlineData("OPENAI_API_KEY", "key")]
    public void From_RunwaySelectedButOnlySoraNamed_StartsEmulator(string key, string value)
    {
        Assert.True(Plan(("Provider", "Runway"), (key, value)).StartEmulator);
    }

    [Theory]
    [InlineData("Runway:ApiKey", "key")]
    [InlineData("RUNWAYML_API_SECRET", "key")]
    public void From_SoraSelectedButOnlyRunwayNamed_StartsEmulator(string key, string value)
    {
        Assert.True(Plan((key, value)).StartEmulator);
    }

    [Fact]
    public void EmulatorSettings_Sora_PointsSoraAtV1WithPlaceholderKey()
    {
        IReadOnlyDictionary<string, string?> settings = Plan().EmulatorSettings(new Uri("http://127.0.0.1:5080/"));

        Assert.Equal(
            new Dictionary<string, string?> { ["Sora:BaseUrl"] = "http://127.0.0.1:5080/v1", ["Sora:ApiKey"] = LocalInfrastructurePlan.EmulatorApiKey },
            settings);
    }

    [Theory]
    [InlineData("Runway")]
    [InlineData("runway")]
    public void EmulatorSettings_Runway_PointsRunwayAtTheRootWithPlaceholderKey(string provider)
    {
        LocalInfrastructurePlan plan = Plan(("Provider", provider));

        IReadOnlyDictionary<string, string?> settings = plan.EmulatorSettings(new Uri("http://127.0.0.1:5081/"));

        Assert.True(plan.StartEmulator);
        Assert.Equal(
            new Dictionary<string, string?> { ["Runway:BaseUrl"] = "http://127.0.0.1:5081", ["Runway:ApiKey"] = LocalInfrastructurePlan.EmulatorApiKey },
            settings);
        Assert.Equal("Runway:BaseUrl", plan.BaseUrlKey);
    }

    [Fact]
    public void From_BlankValues_CountAsUnset()
    {
        Assert.Equal(new LocalInfrastructurePlan(true, true), Plan(("Sora:ApiKey", " "), ("AzureWebJobsStorage", "")));
        Assert.True(Plan(("Provider", "Runway"), ("Runway:ApiKey", " "), ("RUNWAYML_API_SECRET", "")).StartEmulator);
    }
}
