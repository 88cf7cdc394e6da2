using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SoraFunctions.Http;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Unit;

/// <summary>
/// Both hosts expose the same routes and tasks: the Functions app's generated function metadata (what Azure
/// Functions will load) against the one table the local host maps, and the local host's real endpoints.
/// </summary>
public class HostParityTests
{
    static readonly string[] Consumers = ["CatalogVideo"];

    /// <summary>Timer functions; the local host runs each as a hosted service (see the end-to-end tests).</summary>
    static readonly string[] Housekeeping = ["ReconcileEndedJobs"];

    static List<JsonElement> FunctionsMetadata()
    {
        // The test runs from tests/SoraFunctions.Tests/bin/{Configuration}/net10.0; the app builds beside it.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string path = RepoPaths.Combine("src", "SoraFunctions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution first");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    static SortedSet<string> Describe(IEnumerable<(string Name, string Method, string Route, bool Anonymous)> routes) =>
        new(routes.Select(r => $"{r.Name} {r.Method.ToUpperInvariant()} {r.Route}{(r.Anonymous ? " anonymous" : "")}"), StringComparer.Ordinal);

    [Fact]
    public void FunctionsApp_HttpFunctions_MatchTheRouteTable()
    {
        SortedSet<string> functions = Describe(FunctionsMetadata()
            .Where(f => Trigger(f).GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(f => Trigger(f).GetProperty("methods").EnumerateArray().Select(m => (
                f.GetProperty("name").GetString()!,
                m.GetString()!,
                Trigger(f).GetProperty("route").GetString()!,
                Trigger(f).GetProperty("authLevel").GetString() == "Anonymous"))));

        SortedSet<string> table = Describe(ApiRoutes.All.Select(r => (r.FunctionName, r.Method, r.Template, r.Anonymous)));

        Assert.Equal(table, functions);
    }

    [Fact]
    public void FunctionsApp_OrchestratorsAndActivities_MatchTheTaskTable()
    {
        SortedSet<string> functions = new(
            FunctionsMetadata()
                .Select(f => (Name: f.GetProperty("name").GetString()!, Type: Trigger(f).GetProperty("type").GetString()))
                .Where(f => f.Type is "orchestrationTrigger" or "activityTrigger")
                .Select(f => $"{f.Name} {(f.Type == "orchestrationTrigger" ? PipelineTaskKind.Orchestrator : PipelineTaskKind.Activity)}"),
            StringComparer.Ordinal);

        SortedSet<string> table = new(PipelineTasks.All.Select(t => $"{t.Name} {t.Kind}"), StringComparer.Ordinal);

        Assert.Equal(table, functions);
    }

    [Fact]
    public void FunctionsApp_HasNoFunctionOutsideTheTables()
    {
        HashSet<string> known = [.. ApiRoutes.All.Select(r => r.FunctionName), .. PipelineTasks.All.Select(t => t.Name), .. Consumers, .. Housekeeping];
        Assert.All(FunctionsMetadata(), f => Assert.Contains(f.GetProperty("name").GetString()!, known));
    }

    [Fact]
    public void LocalHost_MapVideoApi_ServesEveryRouteOfTheTable()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddRouting();
        // Registered only so that the handlers' service parameters are recognised; no request is served.
        builder.Services.AddSingleton<VideoApi>(_ => throw new NotSupportedException());
        builder.Services.AddSingleton<LibraryApi>(_ => throw new NotSupportedException());
        builder.Services.AddSingleton<JobApi>(_ => throw new NotSupportedException());
        builder.Services.AddSingleton<ProviderWebhooks>(_ => throw new NotSupportedException());
        builder.Services.AddSingleton<BatchApi>(_ => throw new NotSupportedException());
        builder.Services.AddSingleton<DurableTaskClient>(_ => throw new NotSupportedException());
        builder.Services.AddSingleton<IManagementUrlFactory>(_ => throw new NotSupportedException());
        using WebApplication app = builder.Build();
        app.MapVideoApi();

        SortedSet<string> mapped = Describe(((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (
                e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName,
                m,
                e.RoutePattern.RawText!.TrimStart('/')["api/".Length..],
                ApiRoutes.All.Single(r => r.FunctionName == e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName).Anonymous))));

        Assert.Equal(Describe(ApiRoutes.All.Select(r => (r.FunctionName, r.Method, r.Template, r.Anonymous))), mapped);
    }

    [Fact]
    public void Core_ReferencesNoProviderAdapter()
    {
        string[] references = [.. typeof(VideoOrchestrator).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];
        Assert.DoesNotContain("SoraFunctions.Provider", references);
        Assert.DoesNotContain("OpenAI", references);
        Assert.DoesNotContain(
            "SoraFunctions.Provider",
            File.ReadAllText(RepoPaths.Combine("src", "SoraFunctions.Core", "SoraFunctions.Core.csproj")),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Core_TypesNameNoVendor()
    {
        string[] vendorNamed = [.. typeof(VideoOrchestrator).Assembly.GetTypes()
            .Where(t => t.Name.Contains("Sora", StringComparison.OrdinalIgnoreCase) || t.Name.Contains("Runway", StringComparison.OrdinalIgnoreCase) || t.Name.Contains("OpenAI", StringComparison.OrdinalIgnoreCase))
            .Select(t => t.FullName!)];
        Assert.Empty(vendorNamed);
    }
}
