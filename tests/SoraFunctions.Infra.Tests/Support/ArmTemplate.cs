using System.Text.RegularExpressions;

namespace SoraFunctions.Infra.Tests.Support;

/// <summary>A resource of a compiled template, with the (possibly nested module) template that declares it.</summary>
public sealed record TemplateResource(JsonObject Resource, JsonObject Template)
{
    public string Type => (string?)Resource["type"] ?? "";

    public string Name => (string?)Resource["name"] ?? "";

    public JsonObject Properties => Resource["properties"] as JsonObject ?? [];

    /// <summary>A string property by dotted path under the resource (e.g. <c>properties.minimumTlsVersion</c>).</summary>
    public JsonNode? At(string path) => ArmTemplate.At(Resource, path);
}

/// <summary>Reads compiled ARM templates, including the templates of nested deployments (Bicep modules).</summary>
public static partial class ArmTemplate
{
    const string DeploymentsType = "Microsoft.Resources/deployments";

    /// <summary>Every resource of the template and of its modules, depth first.</summary>
    public static IEnumerable<TemplateResource> Resources(JsonObject template)
    {
        foreach (JsonObject resource in ResourceNodes(template))
        {
            yield return new TemplateResource(resource, template);
            if ((string?)resource["type"] == DeploymentsType && At(resource, "properties.template") is JsonObject nested)
            {
                foreach (TemplateResource inner in Resources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every resource of one type, in the template and its modules.</summary>
    public static IReadOnlyList<TemplateResource> OfType(JsonObject template, string type) =>
        [.. Resources(template).Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The single resource of one type.</summary>
    public static TemplateResource SingleOfType(JsonObject template, string type)
    {
        IReadOnlyList<TemplateResource> found = OfType(template, type);
        Assert.True(found.Count == 1, $"Expected one {type}, found {found.Count}.");
        return found[0];
    }

    /// <summary>The module (nested deployment) of a template by its deployment name.</summary>
    public static TemplateResource Module(JsonObject template, string deploymentName)
    {
        TemplateResource? module = ResourceNodes(template)
            .Where(r => (string?)r["type"] == DeploymentsType && (string?)r["name"] == deploymentName)
            .Select(r => new TemplateResource(r, template))
            .FirstOrDefault();
        Assert.True(module is not null, $"No module deployment named '{deploymentName}'.");
        return module;
    }

    /// <summary>The template of a module.</summary>
    public static JsonObject ModuleTemplate(TemplateResource module) =>
        module.At("properties.template") as JsonObject ?? throw new InvalidOperationException($"{module.Name} has no inline template.");

    /// <summary>
    /// The value a module receives for a parameter when it is a literal, or a reference to a literal variable of
    /// the calling template; null for anything computed at deployment time.
    /// </summary>
    public static string? ModuleParameterLiteral(TemplateResource module, string parameter)
    {
        string? value = (string?)module.At($"properties.parameters.{parameter}.value");
        return value is null ? null : Literal(module.Template, value);
    }

    /// <summary>A literal string, or the literal value of a <c>[variables('x')]</c> expression; else null.</summary>
    public static string? Literal(JsonObject template, string value)
    {
        if (!value.StartsWith('['))
        {
            return value;
        }

        Match match = WholeVariableReference().Match(value);
        return match.Success && At(template, $"variables.{match.Groups[1].Value}") is JsonValue v && v.TryGetValue(out string? literal)
            ? literal
            : null;
    }

    /// <summary>The role definition id (a GUID) a role assignment grants, read from the named variable it references.</summary>
    public static string? RoleDefinitionGuid(TemplateResource assignment, out string? variableName)
    {
        variableName = null;
        string? expression = (string?)assignment.At("properties.roleDefinitionId");
        if (expression is null)
        {
            return null;
        }

        Match match = VariableReference().Match(expression);
        if (!match.Success)
        {
            return null;
        }

        variableName = match.Groups[1].Value;
        return (string?)At(assignment.Template, $"variables.{variableName}");
    }

    /// <summary>A node by dotted path (object members only).</summary>
    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (string part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The string form of any node, for searching inside expressions.</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue(out string? s) => s,
        _ => node.ToJsonString(),
    };

    static IEnumerable<JsonObject> ResourceNodes(JsonObject template) => template["resources"] switch
    {
        // languageVersion 1.0: an array; languageVersion 2.0: an object keyed by symbolic name.
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    [GeneratedRegex(@"variables\('([A-Za-z0-9_]+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^\[variables\('([A-Za-z0-9_]+)'\)\]$")]
    private static partial Regex WholeVariableReference();
}
