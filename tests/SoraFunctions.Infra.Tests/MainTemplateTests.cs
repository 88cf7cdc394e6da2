namespace SoraFunctions.Infra.Tests;

/// <summary>Assertions on the ARM template compiled from infra/main.bicep (with its modules inlined).</summary>
[Collection(BicepTests.Name)]
public sealed class MainTemplateTests(BicepFixture bicep)
{
    JsonObject Main => bicep.Template("main.bicep");

    TemplateResource AppSettings => Assert.Single(
        ArmTemplate.OfType(Main, "Microsoft.Web/sites/config"),
        r => r.Name.Contains("'appsettings'", StringComparison.Ordinal));

    [Fact]
    public void StorageAccount_Security_DisallowsSharedKeyAndPublicBlobsAndRequiresTls12()
    {
        TemplateResource storage = ArmTemplate.SingleOfType(Main, "Microsoft.Storage/storageAccounts");

        Assert.Equal("StorageV2", (string?)storage.At("kind"));
        Assert.False((bool?)storage.At("properties.allowSharedKeyAccess") ?? true);
        Assert.False((bool?)storage.At("properties.allowBlobPublicAccess") ?? true);
        Assert.True((bool?)storage.At("properties.supportsHttpsTrafficOnly") ?? false);
        Assert.Equal("TLS1_2", (string?)storage.At("properties.minimumTlsVersion"));
    }

    [Fact]
    public void VideosContainer_StorageModule_IsCreatedAsVideos()
    {
        TemplateResource storageModule = ArmTemplate.Module(Main, "storage");
        JsonObject storageTemplate = ArmTemplate.ModuleTemplate(storageModule);

        Assert.Equal("videos", ArmTemplate.ModuleParameterLiteral(storageModule, "videosContainerName"));
        Assert.Contains(
            ArmTemplate.OfType(storageTemplate, "Microsoft.Storage/storageAccounts/blobServices/containers"),
            c => c.Name.Contains("parameters('videosContainerName')", StringComparison.Ordinal)
                && (string?)c.At("properties.publicAccess") == "None");
    }

    [Fact]
    public void FlexConsumptionPlan_Sku_IsFc1OnLinux()
    {
        TemplateResource plan = ArmTemplate.SingleOfType(Main, "Microsoft.Web/serverfarms");

        Assert.Equal("FC1", (string?)plan.At("sku.name"));
        Assert.Equal("FlexConsumption", (string?)plan.At("sku.tier"));
        Assert.True((bool?)plan.At("properties.reserved") ?? false);
    }

    [Fact]
    public void FunctionApp_Runtime_IsDotnetIsolated10OnLinuxWithUserAssignedIdentity()
    {
        TemplateResource app = ArmTemplate.SingleOfType(Main, "Microsoft.Web/sites");

        Assert.Equal("functionapp,linux", (string?)app.At("kind"));
        Assert.Equal("dotnet-isolated", (string?)app.At("properties.functionAppConfig.runtime.name"));
        Assert.Equal("10.0", (string?)app.At("properties.functionAppConfig.runtime.version"));
        Assert.Equal("UserAssigned", (string?)app.At("identity.type"));
        Assert.True(app.At("properties.httpsOnly")?.GetValue<bool>());
        Assert.Contains(
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            ArmTemplate.Text(app.At("properties.keyVaultReferenceIdentity")),
            StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionApp_Deployment_UsesBlobContainerWithUserAssignedIdentity()
    {
        TemplateResource app = ArmTemplate.SingleOfType(Main, "Microsoft.Web/sites");

        Assert.Equal("blobContainer", (string?)app.At("properties.functionAppConfig.deployment.storage.type"));
        Assert.Equal("UserAssignedIdentity", (string?)app.At("properties.functionAppConfig.deployment.storage.authentication.type"));
    }

    [Fact]
    public void FunctionApp_AlwaysReady_TargetsDurableGroupFromParameterDefaultingToZero()
    {
        TemplateResource app = ArmTemplate.SingleOfType(Main, "Microsoft.Web/sites");
        string alwaysReady = ArmTemplate.Text(app.At("properties.functionAppConfig.scaleAndConcurrency.alwaysReady"));

        Assert.Contains("'durable'", alwaysReady, StringComparison.Ordinal);
        Assert.Contains("parameters('durableAlwaysReadyInstanceCount')", alwaysReady, StringComparison.Ordinal);
        Assert.Equal(0, (int?)ArmTemplate.At(Main, "parameters.durableAlwaysReadyInstanceCount.defaultValue"));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("VideoStorage")]
    public void AppSettings_StorageConnection_IsIdentityBased(string connection)
    {
        JsonObject settings = AppSettings.Properties;

        Assert.Equal("managedidentity", (string?)settings[$"{connection}__credential"]);
        foreach (string child in new[] { "blobServiceUri", "queueServiceUri", "tableServiceUri", "clientId" })
        {
            Assert.True(settings.ContainsKey($"{connection}__{child}"), $"{connection}__{child} is not set.");
        }

        Assert.False(settings.ContainsKey(connection), $"{connection} must not be a connection string in Azure.");
    }

    [Fact]
    public void AppSettings_Values_ContainNoAccountKeysOrConnectionStrings()
    {
        foreach ((string key, JsonNode? value) in AppSettings.Properties)
        {
            string text = ArmTemplate.Text(value);
            Assert.DoesNotContain("AccountKey", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
            Assert.False(text.Contains("DefaultEndpointsProtocol", StringComparison.OrdinalIgnoreCase), $"{key} holds a storage connection string.");
        }
    }

    [Fact]
    public void AppSettings_SoraApiKey_IsKeyVaultReference()
    {
        string apiKey = ArmTemplate.Text(AppSettings.Properties["Sora__ApiKey"]);

        Assert.Contains("@Microsoft.KeyVault(SecretUri=", apiKey, StringComparison.Ordinal);
        Assert.Contains("parameters('soraApiKeyReferenceUri')", apiKey, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_RunwayApiKey_IsKeyVaultReference()
    {
        string apiKey = ArmTemplate.Text(AppSettings.Properties["Runway__ApiKey"]);

        Assert.Contains("@Microsoft.KeyVault(SecretUri=", apiKey, StringComparison.Ordinal);
        Assert.Contains("parameters('runwayApiKeyReferenceUri')", apiKey, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Provider_AllowsSoraAndRunway()
    {
        Assert.Equal(["Sora", "Runway"], ArmTemplate.At(Main, "parameters.provider.allowedValues")!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public void AppSettings_ApplicationInsights_UsesEntraIdAuthentication()
    {
        JsonObject settings = AppSettings.Properties;

        Assert.True(settings.ContainsKey("APPLICATIONINSIGHTS_CONNECTION_STRING"));
        Assert.Contains("Authorization=AAD", ArmTemplate.Text(settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyVault_Authorization_IsRbacWithSoftDelete()
    {
        TemplateResource vault = ArmTemplate.SingleOfType(Main, "Microsoft.KeyVault/vaults");

        Assert.True((bool?)vault.At("properties.enableRbacAuthorization") ?? false);
        Assert.True((bool?)vault.At("properties.enableSoftDelete") ?? false);
    }

    [Theory]
    [InlineData("soraApiKey")]
    [InlineData("soraWebhookSecret")]
    [InlineData("runwayApiKey")]
    public void KeyVaultSecret_IsCreatedOnlyWhenItsSecureParameterIsSet(string parameter)
    {
        TemplateResource secret = Assert.Single(
            ArmTemplate.OfType(Main, "Microsoft.KeyVault/vaults/secrets"),
            s => (string?)s.At("condition") == $"[not(empty(parameters('{parameter}')))]");

        Assert.Equal("securestring", (string?)ArmTemplate.At(secret.Template, $"parameters.{parameter}.type"));
        Assert.Equal("securestring", (string?)ArmTemplate.At(Main, $"parameters.{parameter}.type"));
    }

    [Fact]
    public void AppSettings_SoraWebhookSecret_IsKeyVaultReferenceOnlyWhenASecretWasGiven()
    {
        string secret = ArmTemplate.Text(AppSettings.Properties["Sora__WebhookSecret"]);

        Assert.Contains("parameters('soraWebhooksEnabled')", secret, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", secret, StringComparison.Ordinal);
        Assert.Contains("parameters('soraWebhookSigningReferenceUri')", secret, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplicationInsights_LocalAuth_IsDisabledOnAWorkspace()
    {
        TemplateResource insights = ArmTemplate.SingleOfType(Main, "Microsoft.Insights/components");

        Assert.True((bool?)insights.At("properties.DisableLocalAuth") ?? false);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", ArmTemplate.Text(insights.At("properties.WorkspaceResourceId")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Storage Blob Data Owner")]
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Storage Queue Data Contributor")]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Storage Table Data Contributor")]
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User")]
    [InlineData("3913510d-42f4-4e42-8a64-420c390055eb", "Monitoring Metrics Publisher")]
    public void RoleAssignments_AppIdentity_HoldsRoleThroughNamedVariable(string roleId, string roleName)
    {
        IReadOnlyList<TemplateResource> granted = AssignmentsOf(roleId);

        Assert.True(
            granted.Any(a => (string?)a.At("properties.principalType") == "ServicePrincipal"
                && ArmTemplate.Text(a.At("properties.principalId")).Contains("userAssignedIdentities", StringComparison.Ordinal)
                && a.At("condition") is null),
            $"No unconditional assignment of {roleName} ({roleId}) to the app identity.");
    }

    [Fact]
    public void RoleAssignments_KeyVaultSecretsUser_IsScopedToTheVault()
    {
        TemplateResource assignment = Assert.Single(
            AssignmentsOf("4633458b-17de-408a-b874-0445c86b69e6"));

        Assert.Contains("Microsoft.KeyVault/vaults", ArmTemplate.Text(assignment.At("scope")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")]
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88")]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3")]
    public void RoleAssignments_DeployingUser_GetsStorageDataRoleWhenPrincipalIdIsSet(string roleId)
    {
        Assert.Contains(
            AssignmentsOf(roleId),
            a => ArmTemplate.Text(a.At("properties.principalId")) == "[parameters('userPrincipalId')]"
                && ArmTemplate.Text(a.At("condition")).Contains("assignUser", StringComparison.Ordinal));
    }

    [Fact]
    public void RoleAssignments_Names_AreGuidOfScopePrincipalAndRole()
    {
        foreach (TemplateResource assignment in ArmTemplate.OfType(Main, "Microsoft.Authorization/roleAssignments"))
        {
            Assert.StartsWith("[guid(", assignment.Name, StringComparison.Ordinal);
            Assert.True(ArmTemplate.RoleDefinitionGuid(assignment, out string? variable) is not null, $"{assignment.Name} does not use a named role id variable.");
            Assert.Contains($"variables('{variable}')", assignment.Name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EventGrid_SystemTopic_IsOnTheStorageAccount()
    {
        TemplateResource topic = ArmTemplate.SingleOfType(Main, "Microsoft.EventGrid/systemTopics");

        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)topic.At("properties.topicType"));
        Assert.Contains("Microsoft.Storage/storageAccounts", ArmTemplate.Text(topic.At("properties.source")), StringComparison.Ordinal);
        Assert.Equal("SystemAssigned", (string?)topic.At("identity.type"));
    }

    [Fact]
    public void EventGrid_ExternalSubscriptions_UseTheVideoFilterAndEventGridSchema()
    {
        IReadOnlyList<TemplateResource> subscriptions = ArmTemplate.OfType(Main, "Microsoft.EventGrid/systemTopics/eventSubscriptions");

        Assert.Equal(2, subscriptions.Count);
        foreach (TemplateResource subscription in subscriptions)
        {
            Assert.NotNull(subscription.At("condition"));
            Assert.Equal("EventGridSchema", (string?)subscription.At("properties.eventDeliverySchema"));
            string filter = ArmTemplate.Text(subscription.At("properties.filter"));
            string variables = ArmTemplate.Text(subscription.Template["variables"]);
            Assert.Contains("videoCreatedFilter", filter, StringComparison.Ordinal);
            Assert.Contains("Microsoft.Storage.BlobCreated", variables, StringComparison.Ordinal);
            Assert.Contains("/blobServices/default/containers/", variables, StringComparison.Ordinal);
            Assert.Contains(".mp4", variables, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("AZURE_LOCATION")]
    [InlineData("AZURE_TENANT_ID")]
    [InlineData("AZURE_RESOURCE_GROUP")]
    [InlineData("AZURE_FUNCTION_APP_NAME")]
    [InlineData("SERVICE_API_NAME")]
    [InlineData("SERVICE_API_URI")]
    [InlineData("AZURE_STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_STORAGE_BLOB_ENDPOINT")]
    [InlineData("VIDEOS_CONTAINER_NAME")]
    [InlineData("AZURE_KEY_VAULT_NAME")]
    [InlineData("APPLICATIONINSIGHTS_NAME")]
    [InlineData("EVENTGRID_SYSTEM_TOPIC_NAME")]
    [InlineData("EVENTGRID_DEADLETTER_CONTAINER_NAME")]
    public void Outputs_Main_IncludeWhatAzdAndTheHooksRead(string output)
    {
        Assert.NotNull(ArmTemplate.At(Main, $"outputs.{output}"));
    }

    [Fact]
    public void Outputs_Main_ContainNoSecrets()
    {
        foreach ((string name, JsonNode? output) in ArmTemplate.At(Main, "outputs")!.AsObject())
        {
            string value = ArmTemplate.Text(output);
            Assert.False(value.Contains("soraApiKey')", StringComparison.Ordinal), $"{name} exposes the provider key.");
            Assert.False(value.Contains("runwayApiKey')", StringComparison.Ordinal), $"{name} exposes the Runway secret.");
            Assert.False(value.Contains("externalSubscriberWebhookUrl", StringComparison.Ordinal), $"{name} exposes the subscriber URL.");
            Assert.DoesNotContain("listKeys", value, StringComparison.OrdinalIgnoreCase);
        }
    }

    IReadOnlyList<TemplateResource> AssignmentsOf(string roleId) =>
        [.. ArmTemplate.OfType(Main, "Microsoft.Authorization/roleAssignments")
            .Where(a => string.Equals(ArmTemplate.RoleDefinitionGuid(a, out _), roleId, StringComparison.OrdinalIgnoreCase))];
}
