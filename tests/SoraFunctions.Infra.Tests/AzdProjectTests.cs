using System.Text.RegularExpressions;

namespace SoraFunctions.Infra.Tests;

/// <summary>azure.yaml, main.parameters.json and the hook scripts fit the templates they drive.</summary>
[Collection(BicepTests.Name)]
public sealed class AzdProjectTests(BicepFixture bicep)
{
    static string AzureYaml => File.ReadAllText(RepoPaths.InRepo("azure.yaml"));

    [Fact]
    public void AzureYaml_ApiService_IsTheDotnetFunctionProject()
    {
        string yaml = AzureYaml;
        Match project = YamlValue("project").Match(yaml);

        Assert.True(project.Success, "azure.yaml has no services.api.project.");
        Assert.Matches(@"(?m)^  api:\s*$", yaml);
        Assert.Matches(@"(?m)^\s+language:\s*dotnet\s*$", yaml);
        Assert.Matches(@"(?m)^\s+host:\s*function\s*$", yaml);
        Assert.True(File.Exists(Path.Combine(RepoPaths.InRepo(project.Groups[1].Value), "SoraFunctions.csproj")), $"No SoraFunctions.csproj in {project.Groups[1].Value}.");
    }

    [Fact]
    public void AzureYaml_Hooks_PointAtExistingScriptsForBothShells()
    {
        string yaml = AzureYaml;
        string[] scripts = [.. YamlValue("run").Matches(yaml).Select(m => m.Groups[1].Value)];

        foreach (string hook in new[] { "postprovision", "postdeploy" })
        {
            Assert.Contains($"./infra/scripts/{hook}.sh", scripts);
            Assert.Contains($"./infra/scripts/{hook}.ps1", scripts);
        }

        foreach (string script in scripts)
        {
            Assert.True(File.Exists(RepoPaths.InRepo(script)), $"{script} does not exist.");
        }
    }

    [Theory]
    [InlineData("infra/scripts/postdeploy.sh")]
    [InlineData("infra/scripts/postdeploy.ps1")]
    public void PostDeployScript_Deployment_PassesEveryRequiredParameterOfTheSubscriptionTemplate(string script)
    {
        string text = File.ReadAllText(RepoPaths.InRepo(script));
        JsonObject template = bicep.Template("app/eventgrid-subscription.bicep");

        Assert.Contains("az deployment group create", text, StringComparison.Ordinal);
        Assert.Contains("--template-file infra/app/eventgrid-subscription.bicep", text, StringComparison.Ordinal);
        foreach (string parameter in RequiredParameters(template))
        {
            Assert.Contains($"{parameter}=", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Readme_PlainAzCli_ShowsTheSubscriptionDeployment()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.InfraDirectory, "README.md"));
        JsonObject template = bicep.Template("app/eventgrid-subscription.bicep");

        Assert.Contains("az deployment sub create", readme, StringComparison.Ordinal);
        Assert.Contains("az deployment group create", readme, StringComparison.Ordinal);
        foreach (string parameter in RequiredParameters(template))
        {
            Assert.Contains($"{parameter}=", readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ParametersFile_Parameters_AreDeclaredByMainAndCoverEveryRequiredOne()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.InfraDirectory, "main.parameters.json")));
        HashSet<string> supplied = [.. file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name)];
        JsonObject main = bicep.Template("main.bicep");
        JsonObject declared = ArmTemplate.At(main, "parameters")!.AsObject();

        foreach (string name in supplied)
        {
            Assert.True(declared.ContainsKey(name), $"main.parameters.json sets {name}, which main.bicep does not declare.");
        }

        foreach (string name in RequiredParameters(main))
        {
            Assert.Contains(name, supplied);
        }
    }

    [Fact]
    public void ParametersFile_SecureParameters_ComeFromEnvironmentVariables()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.InfraDirectory, "main.parameters.json")));
        JsonObject declared = ArmTemplate.At(bicep.Template("main.bicep"), "parameters")!.AsObject();

        foreach (JsonProperty parameter in file.RootElement.GetProperty("parameters").EnumerateObject())
        {
            if ((string?)ArmTemplate.At(declared, $"{parameter.Name}.type") == "securestring")
            {
                Assert.Matches(@"^\$\{[A-Z_]+\}$", parameter.Value.GetProperty("value").GetString());
            }
        }
    }

    static IEnumerable<string> RequiredParameters(JsonObject template) =>
        (ArmTemplate.At(template, "parameters")?.AsObject() ?? [])
            .Where(p => p.Value is JsonObject definition && !definition.ContainsKey("defaultValue"))
            .Select(p => p.Key);

    static Regex YamlValue(string key) => new($@"(?m)^\s+{key}:\s*(\S+)\s*$");
}
