namespace SoraFunctions.Infra.Tests;

/// <summary>Assertions on infra/app/eventgrid-subscription.bicep, the post-deploy subscription of the reference consumer.</summary>
[Collection(BicepTests.Name)]
public sealed class EventGridSubscriptionTemplateTests(BicepFixture bicep)
{
    JsonObject Template => bicep.Template("app/eventgrid-subscription.bicep");

    TemplateResource Subscription => ArmTemplate.SingleOfType(Template, "Microsoft.EventGrid/systemTopics/eventSubscriptions");

    [Fact]
    public void Subscription_Filter_IsBlobCreatedMp4UnderVideos()
    {
        TemplateResource subscription = Subscription;

        Assert.Equal(["Microsoft.Storage.BlobCreated"], subscription.At("properties.filter.includedEventTypes")!.AsArray().Select(n => (string?)n));
        Assert.Equal("[format('/blobServices/default/containers/{0}/', parameters('videosContainerName'))]", (string?)subscription.At("properties.filter.subjectBeginsWith"));
        Assert.Equal(".mp4", (string?)subscription.At("properties.filter.subjectEndsWith"));
        Assert.Equal("videos", (string?)ArmTemplate.At(Template, "parameters.videosContainerName.defaultValue"));
    }

    [Fact]
    public void Subscription_Schema_IsEventGridSchema()
    {
        Assert.Equal("EventGridSchema", (string?)Subscription.At("properties.eventDeliverySchema"));
    }

    [Fact]
    public void Subscription_Endpoint_IsBlobExtensionWebhookOfCatalogVideoWithSystemKey()
    {
        TemplateResource subscription = Subscription;
        string endpoint = ArmTemplate.Text(subscription.At("properties.destination.properties.endpointUrl"));

        Assert.Equal("WebHook", (string?)subscription.At("properties.destination.endpointType"));
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.{", endpoint, StringComparison.Ordinal);
        Assert.Contains("listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', parameters('functionAppName')))", endpoint, StringComparison.Ordinal);
        Assert.Contains(".systemKeys.blobs_extension", endpoint, StringComparison.Ordinal);
        Assert.Equal("CatalogVideo", (string?)ArmTemplate.At(Template, "parameters.functionName.defaultValue"));
    }

    [Fact]
    public void Subscription_DeadLetters_ToBlobWithTheTopicIdentity()
    {
        TemplateResource subscription = Subscription;

        Assert.Equal("SystemAssigned", (string?)subscription.At("properties.deadLetterWithResourceIdentity.identity.type"));
        Assert.Equal("StorageBlob", (string?)subscription.At("properties.deadLetterWithResourceIdentity.deadLetterDestination.endpointType"));
    }

    [Fact]
    public void Template_Outputs_DoNotExposeTheKey()
    {
        foreach ((string name, JsonNode? output) in ArmTemplate.At(Template, "outputs")?.AsObject() ?? [])
        {
            Assert.False(ArmTemplate.Text(output).Contains("listKeys", StringComparison.OrdinalIgnoreCase), $"{name} exposes the webhook key.");
        }
    }

    [Fact]
    public void Filter_MainAndPostDeploy_MatchTheSameVideos()
    {
        JsonObject main = bicep.Template("main.bicep");
        TemplateResource eventGridModule = ArmTemplate.Module(main, "eventgrid");
        JsonNode? mainFilter = ArmTemplate.At(ArmTemplate.ModuleTemplate(eventGridModule), "variables.videoCreatedFilter");

        Assert.NotNull(mainFilter);
        Assert.True(
            JsonNode.DeepEquals(mainFilter, Subscription.At("properties.filter")),
            $"main: {mainFilter.ToJsonString()} post-deploy: {Subscription.At("properties.filter")?.ToJsonString()}");
    }
}
