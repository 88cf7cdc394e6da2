using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SoraFunctions.Limits;

namespace SoraFunctions.Tests.Limits;

public class LimitsOptionsTests
{
    static ServiceProvider Build(Dictionary<string, string?> values)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection()
            .AddSingleton(configuration)
            .AddSingleton(new TableServiceClient("UseDevelopmentStorage=true"))
            .AddVideoLimits()
            .BuildServiceProvider();
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        using ServiceProvider provider = Build([]);

        LimitsOptions options = provider.GetRequiredService<IOptions<LimitsOptions>>().Value;

        Assert.Equal((10, 20, 50, "sorolimits"), (options.MaxRunningJobs, options.CreatesPerMinute, options.MaxBatchItems, options.TableName));
        Assert.Null(options.CallerDailyUsd);
        Assert.Null(options.DailyUsd);
        Assert.False(provider.GetRequiredService<IOptions<CallersOptions>>().Value.TrustPrincipalHeaders);
    }

    [Fact]
    public void Bind_ReadsEverySetting()
    {
        using ServiceProvider provider = Build(new()
        {
            ["Limits:MaxRunningJobs"] = "0",
            ["Limits:CreatesPerMinute"] = "5",
            ["Limits:CallerDailyUsd"] = "2.50",
            ["Limits:DailyUsd"] = "100",
            ["Limits:MaxBatchItems"] = "1000",
            ["Callers:TrustPrincipalHeaders"] = "true",
            ["Callers:Admins:0"] = "ada@example.com",
        });

        LimitsOptions options = provider.GetRequiredService<IOptions<LimitsOptions>>().Value;

        Assert.Equal((0, 5, 2.50m, 100m, 1000), (options.MaxRunningJobs, options.CreatesPerMinute, options.CallerDailyUsd, options.DailyUsd, options.MaxBatchItems));
        Assert.Equal(["ada@example.com"], provider.GetRequiredService<IOptions<CallersOptions>>().Value.Admins);
    }

    [Theory]
    [InlineData("Limits:MaxRunningJobs", "-1")]
    [InlineData("Limits:MaxRunningJobs", "1001")]
    [InlineData("Limits:CreatesPerMinute", "-1")]
    [InlineData("Limits:CallerDailyUsd", "-0.01")]
    [InlineData("Limits:DailyUsd", "-5")]
    [InlineData("Limits:MaxBatchItems", "0")]
    [InlineData("Limits:MaxBatchItems", "1001")]
    [InlineData("Limits:TableName", "no-dashes")]
    public void Validate_OutOfRange_FailsAtStartNamingTheKey(string key, string value)
    {
        using ServiceProvider provider = Build(new() { [key] = value });

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CallersSettingNotABoolean_FailsAtStartNamingTheKey()
    {
        using ServiceProvider provider = Build(new() { ["Callers:TrustPrincipalHeaders"] = "yes" });

        // Bound at start, not at the first request (where every answer would be a 500).
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Callers:TrustPrincipalHeaders", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddVideoLimits_ResolvesEveryServiceAsOneSharedTable()
    {
        using ServiceProvider provider = Build([]);

        Assert.IsType<TableJobSlots>(provider.GetRequiredService<IJobSlots>());
        Assert.IsType<TableCreatePacer>(provider.GetRequiredService<ICreatePacer>());
        Assert.IsType<TableSpendLedger>(provider.GetRequiredService<ISpendLedger>());
        Assert.IsType<PriceTable>(provider.GetRequiredService<IPriceTable>());
        Assert.NotNull(provider.GetRequiredService<CallerResolver>());
        Assert.Same(provider.GetRequiredService<LimitsTable>(), provider.GetRequiredService<LimitsTable>());
    }
}
