using System.Text.Json.Nodes;
using SoraFunctions.Http;

namespace SoraFunctions.Tests.Unit;

/// <summary><c>GET /api/openapi.json</c> describes the routes both hosts serve: none missing, none invented.</summary>
public class OpenApiDocumentTests
{
    static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    static JsonObject Document() => OpenApiDocument.Build();

    [Fact]
    public void Build_PathsAndMethods_EqualTheRouteTable()
    {
        SortedSet<string> described = new(
            Document()["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
                .Where(op => Methods.Contains(op.Key))
                .Select(op => $"{op.Key.ToUpperInvariant()} {path.Key}")),
            StringComparer.Ordinal);

        SortedSet<string> routes = new(
            ApiRoutes.All.Select(r => $"{r.Method.ToUpperInvariant()} /api/{r.Template.Replace("{*", "{", StringComparison.Ordinal)}"),
            StringComparer.Ordinal);

        Assert.Equal(routes, described);
    }

    [Fact]
    public void Build_OperationIds_AreTheFunctionNames()
    {
        string[] ids = [.. Document()["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(op => (string)op.Value!["operationId"]!)).Order(StringComparer.Ordinal)];
        Assert.Equal([.. ApiRoutes.All.Select(r => r.FunctionName).Order(StringComparer.Ordinal)], ids);
    }

    [Fact]
    public void Build_WebhookAnswers_AreTheOnesTheReceiverGives()
    {
        JsonNode? answer = Document()["paths"]!.AsObject()
            .Select(path => path.Value!["post"])
            .Single(operation => (string?)operation?["operationId"] == "ProviderWebhook");
        JsonArray results = answer!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["properties"]!["result"]!["enum"]!.AsArray();

        Assert.Equal(WebhookAnswer.Results, results.Select(r => (string)r!));
        Assert.NotNull(answer["responses"]!["409"]);
    }

    [Fact]
    public void Build_IsOpenApi31_AndEveryReferenceResolves()
    {
        JsonObject document = Document();
        Assert.Equal("3.1.0", (string?)document["openapi"]);

        var references = new List<string>();
        Collect(document, references);
        Assert.NotEmpty(references);
        foreach (string reference in references)
        {
            JsonNode? target = document;
            foreach (string part in reference.TrimStart('#', '/').Split('/'))
            {
                target = target?[part];
            }

            Assert.True(target is not null, $"{reference} does not resolve");
        }
    }

    [Fact]
    public void Build_PathParameters_AreDeclared()
    {
        foreach ((string path, JsonNode? item) in Document()["paths"]!.AsObject())
        {
            string[] names = [.. path.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}'))];
            foreach ((string _, JsonNode? operation) in item!.AsObject())
            {
                string[] declared = [.. (operation!["parameters"]?.AsArray() ?? []).Where(p => (string?)p!["in"] == "path").Select(p => (string)p!["name"]!)];
                Assert.Equal(names, declared);
            }
        }
    }

    [Fact]
    public void Build_AnonymousRoutes_NeedNoKey()
    {
        JsonObject paths = Document()["paths"]!.AsObject();
        foreach (ApiRoute route in ApiRoutes.All)
        {
            JsonNode operation = paths[$"/api/{route.Template.Replace("{*", "{", StringComparison.Ordinal)}"]![route.Method.ToLowerInvariant()]!;
            Assert.Equal(route.Anonymous, operation["security"] is JsonArray { Count: 0 });
        }
    }

    static void Collect(JsonNode? node, List<string> references)
    {
        switch (node)
        {
            case JsonObject o:
                foreach ((string key, JsonNode? value) in o)
                {
                    if (key == "$ref" && value is JsonValue v && v.TryGetValue(out string? text))
                    {
                        references.Add(text);
                    }
                    else
                    {
                        Collect(value, references);
                    }
                }

                break;
            case JsonArray a:
                foreach (JsonNode? item in a)
                {
                    Collect(item, references);
                }

                break;
        }
    }
}
