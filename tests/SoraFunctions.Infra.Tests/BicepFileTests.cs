namespace SoraFunctions.Infra.Tests;

/// <summary>Every .bicep file under infra/ builds and lints with no warning or error (bicepconfig.json rules).</summary>
[Collection(BicepTests.Name)]
public sealed class BicepFileTests(BicepFixture bicep)
{
    public static TheoryData<string> Files() => [.. RepoPaths.BicepFiles()];

    [Fact]
    public void BicepFiles_InfraFolder_IncludesMainAndPostDeploySubscription()
    {
        IReadOnlyList<string> files = RepoPaths.BicepFiles();

        Assert.Contains("main.bicep", files);
        Assert.Contains("app/eventgrid-subscription.bicep", files);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Build_File_SucceedsWithoutDiagnostics(string file)
    {
        BicepFileResult result = bicep.Result(file);

        Assert.True(result.BuildDiagnostics.Count == 0, $"{bicep.Build?.Command}:\n{string.Join('\n', result.BuildDiagnostics)}");
        Assert.NotNull(result.Template);
        Assert.StartsWith("{", result.Template.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Lint_File_ReportsNoWarningsOrErrors(string file)
    {
        BicepFileResult result = bicep.Result(file);

        Assert.True(bicep.Lint?.ExitCode == 0, $"{bicep.Lint?.Command} exited with {bicep.Lint?.ExitCode}: {bicep.Lint?.StandardError}");
        Assert.True(result.LintDiagnostics.Count == 0, $"{bicep.Lint?.Command}:\n{string.Join('\n', result.LintDiagnostics)}");
    }

    [Fact]
    public void BicepConfig_Linter_EnablesTheSecurityRulesAsWarnings()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.InfraDirectory, "bicepconfig.json")));
        JsonElement core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        JsonElement rules = core.GetProperty("rules");

        Assert.True(core.GetProperty("enabled").GetBoolean());
        foreach (string rule in new[]
        {
            "use-recent-api-versions", "secure-secrets-in-params", "no-hardcoded-env-urls",
            "use-secure-value-for-secure-inputs", "outputs-should-not-contain-secrets", "secure-parameter-default",
            "no-unused-params", "no-unused-vars", "use-resource-symbol-reference", "what-if-short-circuiting",
        })
        {
            Assert.True(rules.TryGetProperty(rule, out JsonElement setting), $"bicepconfig.json does not configure {rule}.");
            Assert.Equal("warning", setting.GetProperty("level").GetString());
        }
    }
}
