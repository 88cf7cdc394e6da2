using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Catalog.Tests;

public sealed class CatalogOptionsTests
{
    [Fact]
    public void AddVideoCatalog_NoSetting_UsesDefaultTableName()
    {
        using ServiceProvider provider = BuildProvider(new Dictionary<string, string?>());

        Assert.Equal("videocatalog", provider.GetRequiredService<VideoCatalog>().TableName);
        Assert.NotNull(provider.GetRequiredService<VideoCatalogConsumer>());
    }

    [Fact]
    public void AddVideoCatalog_TableNameSetting_IsUsed()
    {
        using ServiceProvider provider = BuildProvider(new Dictionary<string, string?> { ["Catalog:TableName"] = "Videos2026" });

        Assert.Equal("Videos2026", provider.GetRequiredService<VideoCatalog>().TableName);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1videos")]
    [InlineData("video-catalog")]
    [InlineData("video_catalog")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void AddVideoCatalog_InvalidTableName_FailsNamingTheKey(string tableName)
    {
        using ServiceProvider provider = BuildProvider(new Dictionary<string, string?> { ["Catalog:TableName"] = tableName });

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CatalogOptions>>().Value);
        Assert.Contains("Catalog:TableName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddVideoCatalog_InvalidTableName_StopsTheHostAtStart()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:TableName"] = "no-dashes" });
        builder.Services.AddSingleton(new TableServiceClient("UseDevelopmentStorage=true"));
        builder.Services.AddVideoCatalog();
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Catalog:TableName", error.Message, StringComparison.Ordinal);
    }

    static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton(new TableServiceClient("UseDevelopmentStorage=true"));
        services.AddVideoCatalog();
        return services.BuildServiceProvider();
    }
}
