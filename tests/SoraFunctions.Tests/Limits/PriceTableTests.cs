using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SoraFunctions.Limits;

namespace SoraFunctions.Tests.Limits;

public class PriceTableTests
{
    static PriceTable Defaults() => new(Options.Create(new PricesOptions()));

    [Theory]
    [InlineData("Sora", "sora-2", "4", "720x1280", 0.40)]
    [InlineData("Sora", "sora-2-2025-10-06", "8", "1280x720", 0.80)]
    [InlineData("Sora", "sora-2-2025-12-08", "12", "720x1280", 1.20)]
    [InlineData("Sora", "sora-2-pro", "4", "720x1280", 1.20)]
    [InlineData("Sora", "sora-2-pro", "4", "1280x720", 1.20)]
    [InlineData("Sora", "sora-2-pro", "8", "1024x1792", 4.00)]
    [InlineData("Sora", "sora-2-pro-2025-10-06", "8", "1792x1024", 4.00)]
    [InlineData("Sora", "sora-2-pro", "12", "1080x1920", 8.40)]
    [InlineData("Sora", "sora-2-pro", "4", "1920x1080", 2.80)]
    [InlineData("sora", "SORA-2-PRO", "4", "1920X1080", 2.80)]
    [InlineData("Runway", "gen4.5", "5", "1280x720", 0.60)]
    [InlineData("Runway", "veo3.1", "8", "1280x720", 3.20)]
    [InlineData("Runway", "veo3.1_fast", "8", "720x1280", 1.20)]
    public void Estimate_Defaults_UsePublishedPrices(string provider, string model, string seconds, string size, double expected)
    {
        Assert.Equal((decimal)expected, Defaults().Estimate(provider, model, seconds, size));
    }

    [Fact]
    public void Quote_SizeSpecificEntry_WinsOverModelWide()
    {
        PriceTable prices = Defaults();

        Assert.Equal(0.30m, prices.Quote("Sora", "sora-2-pro", "4", "720x1280").UsdPerSecond);
        // An unlisted pro size takes the model-wide (highest) price rather than nothing.
        Assert.Equal(new PriceQuote(2.80m, 0.70m, true), prices.Quote("Sora", "sora-2-pro", "4", "640x480"));
    }

    [Fact]
    public void Quote_UnknownModel_IsZeroAndFlagged()
    {
        Assert.Equal(new PriceQuote(0, 0, false), Defaults().Quote("Sora", "sora-9", "4", "720x1280"));
        Assert.Equal(new PriceQuote(0, 0, false), Defaults().Quote("Other", "sora-2", "4", "720x1280"));
    }

    [Fact]
    public void Quote_UnknownModel_TakesProvidersWildcardAndStaysFlagged()
    {
        var prices = new PriceTable(Options.Create(new PricesOptions
        {
            Items =
            [
                new("Gateway", "*", null, 0.20m),
                new("Gateway", "*", "1920x1080", 0.50m),
                new("Gateway", "kling-2", null, 0.05m),
            ],
        }));

        Assert.Equal(new PriceQuote(0.80m, 0.20m, false), prices.Quote("Gateway", "other", "4", "720x1280"));
        Assert.Equal(new PriceQuote(2.00m, 0.50m, false), prices.Quote("Gateway", "other", "4", "1920x1080"));
        Assert.Equal(new PriceQuote(0.50m, 0.05m, true), prices.Quote("Gateway", "kling-2", "10", "1920x1080"));
        // A configured list replaces the defaults.
        Assert.False(prices.Quote("Sora", "sora-2", "4", "720x1280").Known);
    }

    [Fact]
    public void Estimate_RoundsToCents()
    {
        var prices = new PriceTable(Options.Create(new PricesOptions { Items = [new("P", "m", null, 0.0333m)] }));

        Assert.Equal(0.17m, prices.Estimate("P", "m", "5", "x"));
        Assert.Equal(0.05m, prices.Estimate("P", "m", "1.5", "x"));
    }

    [Theory]
    [InlineData("four")]
    [InlineData("-4")]
    [InlineData("")]
    public void Estimate_BadSeconds_Throws(string seconds)
    {
        Assert.Throws<ArgumentException>(() => Defaults().Estimate("Sora", "sora-2", seconds, "720x1280"));
    }

    [Fact]
    public void Options_BindItemsFromConfigurationAndValidateNamingTheKey()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Prices:Items:0:Provider"] = "Sora",
            ["Prices:Items:0:Model"] = "sora-2-pro",
            ["Prices:Items:0:Size"] = "1792x1024",
            ["Prices:Items:0:UsdPerSecond"] = "0.55",
        }).Build();
        using ServiceProvider provider = new ServiceCollection().AddSingleton(configuration).AddVideoLimits().BuildServiceProvider();

        decimal cost = provider.GetRequiredService<IPriceTable>().Estimate("Sora", "sora-2-pro", "4", "1792x1024");

        Assert.Equal(2.20m, cost);
        IConfiguration bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Prices:Items:0:Provider"] = "Sora",
            ["Prices:Items:0:UsdPerSecond"] = "-1",
        }).Build();
        using ServiceProvider badProvider = new ServiceCollection().AddSingleton(bad).AddVideoLimits().BuildServiceProvider();
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<PricesOptions>>().Value);
        Assert.Contains("Prices:Items:0:Model", error.Message, StringComparison.Ordinal);
        Assert.Contains("Prices:Items:0:UsdPerSecond", error.Message, StringComparison.Ordinal);
    }
}
