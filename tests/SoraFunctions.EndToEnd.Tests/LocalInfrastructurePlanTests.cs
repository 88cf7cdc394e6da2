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

    [Fact]
    public void From_BlankValues_CountAsUnset()
    {
        Assert.Equal(new LocalInfrastructurePlan(true, true), Plan(("Sora:ApiKey", " "), ("AzureWebJobsStorage", "")));
    }
}
