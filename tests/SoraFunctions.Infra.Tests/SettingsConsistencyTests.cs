namespace SoraFunctions.Infra.Tests;

/// <summary>
/// The app settings Bicep deploys, the keys of local.settings.sample.json and
/// <see cref="SoraFunctions.Configuration.AppSettings.Keys"/> name the same settings (after normalisation:
/// identity-based connection children count as their connection; platform keys are left out).
/// </summary>
[Collection(BicepTests.Name)]
public sealed class SettingsConsistencyTests(BicepFixture bicep)
{
    SortedSet<string> TemplateKeys
    {
        get
        {
            TemplateResource settings = Assert.Single(
                ArmTemplate.OfType(bicep.Template("main.bicep"), "Microsoft.Web/sites/config"),
                r => r.Name.Contains("'appsettings'", StringComparison.Ordinal));
            return AppSettingKeys.NormaliseAll(settings.Properties.Select(p => p.Key));
        }
    }

    static SortedSet<string> SampleKeys
    {
        get
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            using var sample = JsonDocument.Parse(File.ReadAllText(RepoPaths.InRepo("local.settings.sample.json")), options);
            return AppSettingKeys.NormaliseAll(sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name));
        }
    }

    static SortedSet<string> CodeKeys => AppSettingKeys.NormaliseAll(SoraFunctions.Provider.VideoProviderRegistration.AllSettingKeys);

    [Fact]
    public void TemplateAppSettings_ComparedWithSample_NameTheSameKeys()
    {
        SortedSet<string> template = TemplateKeys;
        SortedSet<string> sample = SampleKeys;

        Assert.True(template.SetEquals(sample), AppSettingKeys.Difference("infra (Bicep)", template, "local.settings.sample.json", sample));
    }

    [Fact]
    public void TemplateAppSettings_ComparedWithAppSettingsKeys_NameTheSameKeys()
    {
        SortedSet<string> template = TemplateKeys;
        SortedSet<string> code = CodeKeys;

        Assert.True(template.SetEquals(code), AppSettingKeys.Difference("infra (Bicep)", template, "AppSettings.Keys", code));
    }

    [Fact]
    public void SampleSettings_ComparedWithAppSettingsKeys_NameTheSameKeys()
    {
        SortedSet<string> sample = SampleKeys;
        SortedSet<string> code = CodeKeys;

        Assert.True(sample.SetEquals(code), AppSettingKeys.Difference("local.settings.sample.json", sample, "AppSettings.Keys", code));
    }

    [Fact]
    public void TemplateAppSettings_Keys_IncludeBothStorageConnections()
    {
        SortedSet<string> template = TemplateKeys;

        Assert.Contains("AzureWebJobsStorage", template);
        Assert.Contains("VideoStorage", template);
    }
}

/// <summary>The normalisation the consistency tests rely on.</summary>
public sealed class AppSettingKeysTests
{
    [Theory]
    [InlineData("VideoStorage__blobServiceUri", "VideoStorage")]
    [InlineData("VideoStorage__queueServiceUri", "VideoStorage")]
    [InlineData("VideoStorage__tableServiceUri", "VideoStorage")]
    [InlineData("VideoStorage__serviceUri", "VideoStorage")]
    [InlineData("AzureWebJobsStorage__credential", "AzureWebJobsStorage")]
    [InlineData("AzureWebJobsStorage__clientId", "AzureWebJobsStorage")]
    [InlineData("AzureWebJobsStorage__accountName", "AzureWebJobsStorage")]
    [InlineData("AzureWebJobsStorage", "AzureWebJobsStorage")]
    [InlineData("VideoStorage__Container", "VideoStorage__Container")]
    [InlineData("Sora__ManagedIdentityClientId", "Sora__ManagedIdentityClientId")]
    [InlineData("Sora__BaseUrl", "Sora__BaseUrl")]
    public void Normalise_Key_MapsConnectionChildrenToTheirConnection(string key, string expected)
    {
        Assert.Equal(expected, AppSettingKeys.Normalise(key));
    }

    [Theory]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    [InlineData("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    public void Normalise_PlatformKey_IsLeftOut(string key)
    {
        Assert.Null(AppSettingKeys.Normalise(key));
    }
}
