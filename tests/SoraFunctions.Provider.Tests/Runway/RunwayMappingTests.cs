using SoraFunctions.Configuration;
using SoraFunctions.Provider.Runway;

namespace SoraFunctions.Provider.Tests.Runway;

/// <summary>The public API's sizes and seconds in Runway's terms, and the model catalog.</summary>
public sealed class RunwayMappingTests
{
    [Theory]
    [InlineData("1280x720", "1280:720")]
    [InlineData("720x1280", "720:1280")]
    [InlineData("1920x1080", "1920:1080")]
    [InlineData(" 1080x1920 ", "1080:1920")]
    [InlineData("1280:720", null)]
    [InlineData("1280x", null)]
    [InlineData("0x720", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ToRatio_Size_IsWidthColonHeight(string? size, string? ratio)
    {
        Assert.Equal(ratio, RunwayWire.ToRatio(size));
        if (ratio is not null)
        {
            Assert.Equal(size!.Trim(), RunwayWire.FromRatio(ratio));
        }
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("10", 10)]
    [InlineData(" 8 ", 8)]
    [InlineData("0", null)]
    [InlineData("4.5", null)]
    [InlineData("-4", null)]
    [InlineData("five", null)]
    [InlineData(null, null)]
    public void ToDuration_Seconds_IsWholeInteger(string? seconds, int? duration)
    {
        Assert.Equal(duration, RunwayWire.ToDuration(seconds));
    }

    [Fact]
    public void DefaultModels_Catalog_MatchesRunwaysTypes()
    {
        var models = RunwayVideoProvider.DefaultModels.ToDictionary(m => m.Name);

        Assert.Equal(["1280x720", "720x1280"], models["gen4.5"].Sizes);
        Assert.Equal(["2", "3", "4", "5", "6", "7", "8", "9", "10"], models["gen4.5"].Seconds);
        foreach (string veo in new[] { "veo3.1", "veo3.1_fast" })
        {
            Assert.Equal(["1280x720", "720x1280", "1080x1920", "1920x1080"], models[veo].Sizes);
            Assert.Equal(["4", "6", "8"], models[veo].Seconds);
        }

        Assert.Equal(["8"], models["veo3"].Seconds);
    }

    [Fact]
    public void Models_Defaults_ComeFromOptionsAndAreInTheCatalog()
    {
        RunwayVideoProvider provider = RunwayStub.Provider(StubHandler.Answer(_ => new HttpResponseMessage(HttpStatusCode.OK)));

        Assert.Equal("Runway", provider.Name);
        Assert.Equal(("gen4.5", "5", "1280x720"), (provider.Models.DefaultModel, provider.Models.DefaultSeconds, provider.Models.DefaultSize));
        VideoModel gen45 = provider.Models.Models.Single(m => m.Name == provider.Models.DefaultModel);
        Assert.Contains(provider.Models.DefaultSize, gen45.Sizes);
        Assert.Contains(provider.Models.DefaultSeconds, gen45.Seconds);
    }
}
