using System.Text;
using System.Text.Json;
using SoraFunctions.Configuration;
using SoraFunctions.Http;
using SoraFunctions.Providers;

namespace SoraFunctions.Tests.Unit;

public class SubmitRequestParserTests
{
    static readonly VideoApiOptions Api = new() { MaxPromptLength = 50 };
    static readonly VideoModelCatalog Defaults = TestProviders.Sora.Models;

    static SubmitParseResult Parse(string json, VideoApiOptions? api = null) => SubmitRequestParser.Parse(Encoding.UTF8.GetBytes(json), api ?? Api, Defaults);

    [Fact]
    public void Parse_PromptOnly_FillsTheDefaults()
    {
        SubmitParseResult result = Parse("""{"prompt":"a red fox"}""");
        Assert.True(result.IsValid);
        Assert.Equal(new VideoSpec("a red fox", "sora-2", "4", "720x1280"), result.Request!.Spec);
        Assert.Null(result.Request.Id);
    }

    [Fact]
    public void Parse_AllFields_KeepsThem()
    {
        SubmitParseResult result = Parse("""{"prompt":"p","model":"sora-2-pro","seconds":"8","size":"1920x1080","id":"job-1"}""");
        Assert.Equal(new VideoSpec("p", "sora-2-pro", "8", "1920x1080"), result.Request!.Spec);
        Assert.Equal("job-1", result.Request.Id);
    }

    [Fact]
    public void Parse_SecondsAsWholeNumber_IsAccepted()
    {
        Assert.Equal("12", Parse("""{"prompt":"p","seconds":12}""").Request!.Spec.Seconds);
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("   ", "body")]
    [InlineData("{", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("\"text\"", "body")]
    [InlineData("{}", "prompt")]
    [InlineData("""{"prompt":null}""", "prompt")]
    [InlineData("""{"prompt":"   "}""", "prompt")]
    [InlineData("""{"prompt":42}""", "prompt")]
    [InlineData("""{"prompt":["a"]}""", "prompt")]
    [InlineData("""{"prompt":"p","model":"dall-e"}""", "model")]
    [InlineData("""{"prompt":"p","model":7}""", "model")]
    [InlineData("""{"prompt":"p","size":"1920x1080"}""", "size")]
    [InlineData("""{"prompt":"p","size":true}""", "size")]
    [InlineData("""{"prompt":"p","seconds":"5"}""", "seconds")]
    [InlineData("""{"prompt":"p","seconds":4.5}""", "seconds")]
    [InlineData("""{"prompt":"p","seconds":-4}""", "seconds")]
    [InlineData("""{"prompt":"p","seconds":{}}""", "seconds")]
    [InlineData("""{"prompt":"p","id":"a/b"}""", "id")]
    [InlineData("""{"prompt":"p","id":"-leading"}""", "id")]
    [InlineData("""{"prompt":"p","id":"has space"}""", "id")]
    [InlineData("""{"prompt":"p","id":"@entity"}""", "id")]
    [InlineData("""{"prompt":"p","id":12}""", "id")]
    [InlineData("""{"prompt":"p","id":"abc\n"}""", "id")] // "$" would match before a final newline; storage refuses it
    [InlineData("""{"prompt":"p","id":"\ud800"}""", "id")]
    [InlineData("""{"prompt":"p","\ud800":1}""", "body")] // looking up any property of this object throws
    public void Parse_BadInput_NamesTheField(string json, string field)
    {
        SubmitParseResult result = Parse(json);
        Assert.False(result.IsValid);
        Assert.Contains(field, result.Errors.Keys);
    }

    [Fact]
    public void Parse_PromptOverTheLimit_NamesPromptAndTheLimit()
    {
        SubmitParseResult result = Parse($$"""{"prompt":"{{new string('x', 51)}}"}""");
        Assert.Contains("50", Assert.Single(result.Errors["prompt"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PromptAtTheLimit_IsAccepted()
    {
        Assert.True(Parse($$"""{"prompt":"{{new string('x', 50)}}"}""").IsValid);
    }

    [Fact]
    public void Parse_IdOf100Characters_IsAcceptedAnd101IsNot()
    {
        Assert.True(Parse($$"""{"prompt":"p","id":"{{new string('a', 100)}}"}""").IsValid);
        Assert.False(Parse($$"""{"prompt":"p","id":"{{new string('a', 101)}}"}""").IsValid);
    }

    [Fact]
    public void Parse_SeveralProblems_NamesEachField()
    {
        SubmitParseResult result = Parse("""{"prompt":"","model":"nope","id":"x y"}""");
        Assert.Equal(["id", "model", "prompt"], result.Errors.Keys.Order());
    }

    [Fact]
    public void Parse_ConfiguredGatewayModel_IsAllowedWithItsOwnSizesAndDurations()
    {
        var api = new VideoApiOptions { Models = [new VideoModel { Name = "kling-2", Sizes = ["1280x720"], Seconds = ["5", "10"] }] };
        Assert.True(Parse("""{"prompt":"p","model":"kling-2","size":"1280x720","seconds":"5"}""", api).IsValid);
        Assert.Contains("model", Parse("""{"prompt":"p","model":"sora-2","size":"1280x720","seconds":"5"}""", api).Errors.Keys);
        Assert.Contains("seconds", Parse("""{"prompt":"p","model":"kling-2","size":"1280x720","seconds":"4"}""", api).Errors.Keys);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("0")]
    [InlineData("99999999999")]
    public void Parse_ModelWithoutDurations_StillRequiresWholeSeconds(string seconds)
    {
        // A configured model with no list of durations allows any, but pricing and the provider need whole seconds.
        var api = new VideoApiOptions { Models = [new VideoModel { Name = "any-length", Sizes = ["1280x720"] }] };

        SubmitParseResult result = Parse($$"""{"prompt":"p","model":"any-length","size":"1280x720","seconds":"{{seconds}}"}""", api);

        Assert.Equal(["seconds"], result.Errors.Keys);
        Assert.True(Parse("""{"prompt":"p","model":"any-length","size":"1280x720","seconds":"7"}""", api).IsValid);
    }

    [Fact]
    public void Parse_ItemOfABatch_IgnoresItsIdAndReadsRepeatedKeys()
    {
        using var document = JsonDocument.Parse("""{"prompt":"a","prompt":"b","id":"x y"}""");

        SubmitParseResult result = SubmitRequestParser.Parse(document.RootElement, Api, Defaults, readId: false);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        Assert.Null(result.Request!.Id);
    }
}
