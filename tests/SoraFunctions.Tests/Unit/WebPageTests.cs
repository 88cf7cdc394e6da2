using System.Text.RegularExpressions;
using SoraFunctions.Web;

namespace SoraFunctions.Tests.Unit;

/// <summary>The page's embedded files, as both hosts serve them.</summary>
public partial class WebPageTests
{
    [GeneratedRegex("""(?:href|src)="([^"#:]+)""")]
    internal static partial Regex LocalReferences();

    static async Task<(int Status, string Type, string Text)> GetAsync(string? path)
    {
        Microsoft.AspNetCore.Http.DefaultHttpContext context = HttpResults.NewContext();
        await WebPage.Serve(context.Request, path).ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, context.Response.ContentType ?? "", await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [Fact]
    public async Task Serve_EmptyPath_IsTheIndexWithAContentSecurityPolicy()
    {
        Microsoft.AspNetCore.Http.DefaultHttpContext context = HttpResults.NewContext();
        await WebPage.Serve(context.Request, null).ExecuteAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.StartsWith("text/html", context.Response.ContentType, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", context.Response.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_EveryFileTheIndexNames_Exists()
    {
        (_, _, string index) = await GetAsync("index.html");
        Assert.Contains($"<base href=\"{WebPage.BasePath}\">", index, StringComparison.Ordinal);
        string[] local = [.. LocalReferences().Matches(index).Select(m => m.Groups[1].Value).Where(r => !r.StartsWith('/'))];
        Assert.NotEmpty(local);
        Assert.All(local, reference => Assert.Contains(reference, WebPage.Files));
    }

    [Theory]
    [InlineData("js/app.js", "text/javascript")]
    [InlineData("js/api.js", "text/javascript")]
    [InlineData("css/app.css", "text/css")]
    [InlineData("icon.svg", "image/svg+xml")]
    public async Task Serve_Assets_WithTheirTypes(string path, string type)
    {
        (int status, string contentType, string text) = await GetAsync(path);
        Assert.Equal(200, status);
        Assert.StartsWith(type, contentType, StringComparison.Ordinal);
        Assert.NotEmpty(text);
    }

    [Theory]
    [InlineData("nope.js")]
    [InlineData("../SoraFunctions.Web.dll")]
    [InlineData("js")]
    public async Task Serve_UnknownFile_IsAProblem404(string path)
    {
        (int status, string contentType, _) = await GetAsync(path);
        Assert.Equal(404, status);
        Assert.StartsWith("application/problem+json", contentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Modules_ImportOnlyFilesOfThePage()
    {
        foreach (string file in WebPage.Files.Where(f => f.EndsWith(".js", StringComparison.Ordinal)))
        {
            (_, _, string text) = await GetAsync(file);
            foreach (System.Text.RegularExpressions.Match import in Regex.Matches(text, "from \"\\./([^\"]+)\""))
            {
                Assert.Contains("js/" + import.Groups[1].Value, WebPage.Files);
            }
        }
    }
}
