using System.Text.RegularExpressions;

namespace SoraFunctions.Infra.Tests;

/// <summary>
/// What a security review of the Azure deployment asks for: purge protection, diagnostic settings, the optional
/// private network, the narrower Event Grid filter and a postdeploy hook that names its subscription. The compiled
/// template holds both branches of <c>vnetEnabled</c>; <see cref="ArmScope"/> evaluates it for each value.
/// </summary>
[Collection(BicepTests.Name)]
public sealed class SecurityReviewTests(BicepFixture bicep)
{
    const string DiagnosticSettingsType = "Microsoft.Insights/diagnosticSettings";
    const string PrivateEndpointsType = "Microsoft.Network/privateEndpoints";

    JsonObject Main => bicep.Template("main.bicep");

    List<DeployedResource> Deployed(bool vnetEnabled) =>
        [.. ArmScope.ForMain(Main, new Dictionary<string, object?> { ["vnetEnabled"] = vnetEnabled }).Deployed()];

    [Fact]
    public void KeyVault_PurgeProtection_IsAParameterOnByDefault()
    {
        Assert.Equal("bool", (string?)ArmTemplate.At(Main, "parameters.keyVaultPurgeProtection.type"));
        Assert.True((bool?)ArmTemplate.At(Main, "parameters.keyVaultPurgeProtection.defaultValue"));

        DeployedResource vault = Assert.Single(Deployed(vnetEnabled: false), r => r.Resource.Type == "Microsoft.KeyVault/vaults");
        Assert.Equal(true, vault.Evaluate("properties.enablePurgeProtection"));
    }

    [Fact]
    public void KeyVault_PurgeProtectionOff_IsLeftUnsetNeverFalse()
    {
        DeployedResource vault = Assert.Single(
            ArmScope.ForMain(Main, new Dictionary<string, object?> { ["keyVaultPurgeProtection"] = false }).Deployed(),
            r => r.Resource.Type == "Microsoft.KeyVault/vaults");

        // Key Vault rejects enablePurgeProtection=false once it has been on; null leaves it as it is.
        Assert.Null(vault.Evaluate("properties.enablePurgeProtection"));
    }

    [Fact]
    public void Readme_PurgeProtection_ExplainsWhatAzdDownPurgeCannotDo()
    {
        string readme = File.ReadAllText(RepoPaths.InRepo("infra/README.md"));

        Assert.Contains("keyVaultPurgeProtection", readme, StringComparison.Ordinal);
        Assert.Contains("azd down --purge", readme, StringComparison.Ordinal);
        Assert.Contains("AZURE_KEY_VAULT_PURGE_PROTECTION", File.ReadAllText(RepoPaths.InRepo("infra/main.parameters.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices")]
    [InlineData("Microsoft.Storage/storageAccounts/queueServices")]
    [InlineData("Microsoft.Storage/storageAccounts/tableServices")]
    [InlineData("Microsoft.KeyVault/vaults")]
    [InlineData("Microsoft.EventGrid/systemTopics")]
    [InlineData("Microsoft.Web/sites")]
    public void DiagnosticSettings_Resource_SendsAllLogsToTheWorkspace(string scopeType)
    {
        JsonObject diagnostics = ArmTemplate.ModuleTemplate(ArmTemplate.Module(Main, "diagnostics"));

        TemplateResource setting = Assert.Single(
            ArmTemplate.OfType(diagnostics, DiagnosticSettingsType),
            d => ArmTemplate.Text(d.At("scope")).StartsWith($"[resourceId('{scopeType}',", StringComparison.Ordinal));
        Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", (string?)setting.At("properties.workspaceId"));
        Assert.Contains("allLogs", ArmTemplate.Text(Resolved(setting, "properties.logs")), StringComparison.Ordinal);
        Assert.NotEmpty(Resolved(setting, "properties.metrics")?.AsArray() ?? []);
    }

    [Fact]
    public void DiagnosticSettings_Workspace_IsTheMonitoringModulesLogAnalytics()
    {
        TemplateResource module = ArmTemplate.Module(Main, "diagnostics");

        Assert.Contains("logAnalyticsId", ArmTemplate.Text(module.At("properties.parameters.logAnalyticsWorkspaceId")), StringComparison.Ordinal);
        Assert.Contains(
            "Microsoft.OperationalInsights/workspaces",
            ArmTemplate.Text(ArmTemplate.At(ArmTemplate.ModuleTemplate(ArmTemplate.Module(Main, "monitoring")), "outputs.logAnalyticsId")),
            StringComparison.Ordinal);
        Assert.Equal(7, Deployed(vnetEnabled: false).Count(r => r.Resource.Type == DiagnosticSettingsType));
    }

    [Fact]
    public void Vnet_Parameter_IsOffByDefault()
    {
        Assert.Equal("bool", (string?)ArmTemplate.At(Main, "parameters.vnetEnabled.type"));
        Assert.False((bool?)ArmTemplate.At(Main, "parameters.vnetEnabled.defaultValue"));
        Assert.Contains("VNET_ENABLED", File.ReadAllText(RepoPaths.InRepo("infra/main.parameters.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Vnet_PrivateEndpointsAndZones_ExistOnlyWhenEnabled(bool vnetEnabled)
    {
        List<DeployedResource> deployed = Deployed(vnetEnabled);

        Assert.Equal(vnetEnabled, deployed.Any(r => r.Resource.Type == "Microsoft.Network/virtualNetworks"));
        Assert.Equal(vnetEnabled, deployed.Any(r => r.Resource.Type == PrivateEndpointsType));
        Assert.Equal(vnetEnabled, deployed.Any(r => r.Resource.Type == "Microsoft.Network/privateDnsZones"));
        Assert.Equal(vnetEnabled, deployed.Any(r => r.Resource.Type == "Microsoft.Network/privateDnsZones/virtualNetworkLinks"));
    }

    [Fact]
    public void Vnet_PrivateEndpoints_CoverBlobQueueTableAndVaultWithTheirZones()
    {
        JsonObject template = ArmTemplate.ModuleTemplate(ArmTemplate.Module(Main, "private-endpoints"));
        string all = template.ToJsonString();

        string storageEndpoints = ArmTemplate.Text(ArmTemplate.At(template, "variables.storageEndpoints"));
        foreach (string groupId in new[] { "blob", "queue", "table" })
        {
            Assert.Contains($"\"groupId\":\"{groupId}\"", storageEndpoints, StringComparison.Ordinal);
            Assert.Contains($"privatelink.{groupId}.{{0}}", storageEndpoints, StringComparison.Ordinal);
        }

        Assert.Contains("environment().suffixes.storage", storageEndpoints, StringComparison.Ordinal);
        Assert.Equal("privatelink.vaultcore.azure.net", (string?)ArmTemplate.At(template, "variables.keyVaultZone"));
        Assert.Contains("\"groupIds\":[\"vault\"]", all, StringComparison.Ordinal);
        Assert.Equal(2, ArmTemplate.OfType(template, PrivateEndpointsType).Count);
        Assert.Equal(2, ArmTemplate.OfType(template, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Count);
    }

    [Fact]
    public void Vnet_AppSubnet_IsDelegatedToMicrosoftAppEnvironments()
    {
        TemplateResource vnet = ArmTemplate.SingleOfType(Main, "Microsoft.Network/virtualNetworks");
        JsonArray subnets = vnet.At("properties.subnets")?.AsArray() ?? [];

        Assert.Equal(2, subnets.Count);
        Assert.Contains(subnets, s => ArmTemplate.Text(ArmTemplate.At(s, "properties.delegations")).Contains("Microsoft.App/environments", StringComparison.Ordinal));
        Assert.Contains(subnets, s => ArmTemplate.At(s, "properties.delegations") is null);
    }

    [Theory]
    [InlineData(false, "Enabled")]
    [InlineData(true, "Disabled")]
    public void Vnet_PublicNetworkAccess_OfStorageAndKeyVaultFollowsTheParameter(bool vnetEnabled, string expected)
    {
        List<DeployedResource> deployed = Deployed(vnetEnabled);

        foreach (string type in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults" })
        {
            DeployedResource resource = Assert.Single(deployed, r => r.Resource.Type == type);
            Assert.Equal(expected, resource.Evaluate("properties.publicNetworkAccess"));
            Assert.Equal(vnetEnabled ? "Deny" : "Allow", resource.Evaluate("properties.networkAcls.defaultAction"));
        }
    }

    [Fact]
    public void Vnet_FunctionApp_IntegratesWithTheAppSubnetOnlyWhenEnabled()
    {
        TemplateResource api = ArmTemplate.Module(Main, "api");
        DeployedResource appOff = Assert.Single(Deployed(vnetEnabled: false), r => r.Resource.Type == "Microsoft.Web/sites");

        Assert.Null(appOff.Evaluate("properties.virtualNetworkSubnetId"));
        Assert.Contains("appSubnetId", ArmTemplate.Text(api.At("properties.parameters.virtualNetworkSubnetId")), StringComparison.Ordinal);
        Assert.Equal(
            "[if(empty(parameters('virtualNetworkSubnetId')), null(), parameters('virtualNetworkSubnetId'))]",
            (string?)appOff.Resource.At("properties.virtualNetworkSubnetId"));
    }

    [Theory]
    [InlineData("app/eventgrid-subscription.bicep")]
    [InlineData("main.bicep")]
    public void EventGrid_Filter_AdmitsOnlyTheWritesThatMakeAVideo(string file)
    {
        JsonNode? filter = file == "main.bicep"
            ? ArmTemplate.At(ArmTemplate.ModuleTemplate(ArmTemplate.Module(Main, "eventgrid")), "variables.videoCreatedFilter")
            : ArmTemplate.SingleOfType(bicep.Template(file), "Microsoft.EventGrid/systemTopics/eventSubscriptions").At("properties.filter");

        JsonNode? advanced = Assert.Single(ArmTemplate.At(filter, "advancedFilters")?.AsArray() ?? []);
        Assert.Equal("StringIn", (string?)advanced!["operatorType"]);
        Assert.Equal("data.api", (string?)advanced["key"]);
        Assert.Equal(["PutBlob", "PutBlockList", "CopyBlob"], advanced["values"]!.AsArray().Select(v => (string?)v));
    }

    [Theory]
    [InlineData("infra/scripts/postdeploy.sh")]
    [InlineData("infra/scripts/postdeploy.ps1")]
    public void PostDeployScript_EveryAzCall_NamesTheAzdSubscription(string script)
    {
        string[] commands = [.. File.ReadAllText(RepoPaths.InRepo(script))
            .Replace("\\\n", " ", StringComparison.Ordinal)
            .Replace("`\n", " ", StringComparison.Ordinal)
            .Split('\n')
            .Where(l => Regex.IsMatch(l, @"^\s*(if\s+|\$\w+\s*=\s*)?az\s"))];

        Assert.Equal(2, commands.Length);
        Assert.All(commands, c => Assert.Matches(@"--subscription\s+(""\$AZURE_SUBSCRIPTION_ID""|\$subscription)\s", c));
        Assert.Contains("AZURE_SUBSCRIPTION_ID", File.ReadAllText(RepoPaths.InRepo(script)), StringComparison.Ordinal);
    }

    /// <summary>A property, or the variable it names (<c>[variables('x')]</c>).</summary>
    static JsonNode? Resolved(TemplateResource resource, string path)
    {
        JsonNode? node = resource.At(path);
        Match variable = Regex.Match(ArmTemplate.Text(node), @"^\[variables\('(\w+)'\)\]$");
        return variable.Success ? ArmTemplate.At(resource.Template, $"variables.{variable.Groups[1].Value}") : node;
    }
}
