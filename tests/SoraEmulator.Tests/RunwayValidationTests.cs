namespace SoraEmulator.Tests;

public sealed class RunwayValidationTests : RunwayTestBase
{
    [Theory]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":2}""")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"720:1280","duration":10,"seed":4294967295,"contentModeration":{"publicFigureThreshold":"low"}}""")]
    [InlineData("text_to_video", """{"model":"veo3.1","promptText":"p","ratio":"1920:1080","duration":6,"audio":true}""")]
    [InlineData("text_to_video", """{"model":"veo3.1_fast","promptText":"p","ratio":"1080:1920"}""")]
    [InlineData("text_to_video", """{"model":"veo3","promptText":"p","ratio":"1280:720","duration":8}""")]
    [InlineData("image_to_video", """{"model":"gen4.5","promptImage":"https://example.com/cat.png","promptText":"p","ratio":"1584:672","duration":5}""")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":[{"uri":"https://example.com/cat.png","position":"first"}],"ratio":"832:1104"}""")]
    [InlineData("image_to_video", """{"model":"veo3.1","promptImage":[{"uri":"https://example.com/a.png","position":"first"},{"uri":"data:image/jpeg;base64,/9j/4AAQ","position":"last"}],"ratio":"720:1280","duration":4,"negativePrompt":"rain"}""")]
    [InlineData("image_to_video", """{"model":"veo3","promptImage":"https://example.com/cat.png","ratio":"1080:1920","duration":8}""")]
    public async Task Create_ValidBody_Returns200WithId(string endpoint, string json)
    {
        using HttpResponseMessage response = await SendRunwayAsync(HttpMethod.Post, "v1/" + endpoint, json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Guid.TryParse((await ReadJsonAsync(response)).GetProperty("id").GetString(), out _));
    }

    [Theory]
    [InlineData("text_to_video", """{"promptText":"p","ratio":"1280:720","duration":5}""", "model")]
    [InlineData("text_to_video", """{"model":"gen4_turbo","promptText":"p","ratio":"1280:720","duration":5}""", "model")]
    [InlineData("text_to_video", """{"model":"sora-2","promptText":"p","ratio":"1280:720","duration":5}""", "model")]
    [InlineData("text_to_video", """{"model":"gen4.5","ratio":"1280:720","duration":5}""", "promptText")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"","ratio":"1280:720","duration":5}""", "promptText")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":7,"ratio":"1280:720","duration":5}""", "promptText")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","duration":5}""", "ratio")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1920:1080","duration":5}""", "ratio")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"16:9","duration":5}""", "ratio")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720"}""", "duration")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":1}""", "duration")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":11}""", "duration")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":"5"}""", "duration")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":5.5}""", "duration")]
    [InlineData("text_to_video", """{"model":"veo3.1","promptText":"p","ratio":"1280:720","duration":5}""", "duration")]
    [InlineData("text_to_video", """{"model":"veo3.1_fast","promptText":"p","ratio":"1280:720","duration":10}""", "duration")]
    [InlineData("text_to_video", """{"model":"veo3","promptText":"p","ratio":"1280:720","duration":4}""", "duration")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":5,"seconds":5}""", "seconds")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":5,"audio":true}""", "audio")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":5,"seed":-1}""", "seed")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":5,"contentModeration":{"publicFigureThreshold":"high"}}""", "contentModeration.publicFigureThreshold")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"p","ratio":"1280:720","duration":5,"promptImage":"https://example.com/a.png"}""", "promptImage")]
    [InlineData("text_to_video", """{"model":"veo3.1","promptText":"p","ratio":"1280:720","audio":"yes"}""", "audio")]
    [InlineData("text_to_video", """{"model":"gen4.5","promptText":"[[bogus]]","ratio":"1280:720","duration":5}""", "promptText")]
    [InlineData("text_to_video", """[1,2]""", "body")]
    [InlineData("text_to_video", """{"model":""", "body")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":"http://example.com/a.png","ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":"https://10.0.0.1/a.png","ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":"data:text/plain;base64,aGk=","ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":"data:image/png,raw","ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":[],"ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":[{"uri":"https://example.com/a.png","position":"last"}],"ratio":"1280:720"}""", "promptImage[0].position")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":[{"uri":"https://example.com/a.png"}],"ratio":"1280:720"}""", "promptImage[0].position")]
    [InlineData("image_to_video", """{"model":"veo3.1","promptImage":[{"uri":"https://example.com/a.png","position":"last"}],"ratio":"1280:720"}""", "promptImage")]
    [InlineData("image_to_video", """{"model":"veo3.1","promptImage":[{"uri":"https://example.com/a.png","position":"first"},{"uri":"https://example.com/b.png","position":"first"}],"ratio":"1280:720"}""", "promptImage[1].position")]
    [InlineData("image_to_video", """{"model":"gen4.5","promptImage":"https://example.com/a.png","ratio":"1280:720","duration":5}""", "promptText")]
    [InlineData("image_to_video", """{"model":"gen4_turbo","promptImage":"https://example.com/a.png","ratio":"1080:1920"}""", "ratio")]
    [InlineData("image_to_video", """{"model":"veo3.1","promptImage":"https://example.com/a.png","ratio":"960:960"}""", "ratio")]
    public async Task Create_BadField_Returns400NamingIt(string endpoint, string json, string field)
    {
        using HttpResponseMessage response = await SendRunwayAsync(HttpMethod.Post, "v1/" + endpoint, json);

        string message = await AssertRunwayErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith(field + ":", message, StringComparison.Ordinal);
        Assert.Empty(Emulator.Stats.RunwayTaskIds);
    }

    [Fact]
    public async Task Create_PromptTextOf1000Utf16Units_AcceptedAnd1001Refused()
    {
        // An emoji is two UTF-16 code units: 500 of them are exactly at the limit.
        string atLimit = string.Concat(Enumerable.Repeat("🎬", 500));

        using HttpResponseMessage accepted = await PostTextToVideoAsync(atLimit);
        using HttpResponseMessage refused = await PostTextToVideoAsync(atLimit + "x");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.StartsWith("promptText:", await AssertRunwayErrorAsync(refused, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NotJson_Returns400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/text_to_video", UriKind.Relative))
        {
            Content = new StringContent("model=gen4.5", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Runway-Version", Version);

        using HttpResponseMessage response = await Client.SendAsync(request);

        await AssertRunwayErrorAsync(response, HttpStatusCode.BadRequest);
    }
}
