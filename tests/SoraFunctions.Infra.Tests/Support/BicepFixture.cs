using System.Collections.Concurrent;

namespace SoraFunctions.Infra.Tests.Support;

/// <summary>What bicep build and bicep lint said about one .bicep file.</summary>
/// <param name="File">The file, relative to infra/ with forward slashes.</param>
/// <param name="Template">The compiled ARM template, or null when the build produced none.</param>
/// <param name="BuildDiagnostics">Warning and error lines of the build for this file.</param>
/// <param name="LintDiagnostics">Warning and error lines of the lint for this file.</param>
public sealed record BicepFileResult(string File, string? Template, IReadOnlyList<string> BuildDiagnostics, IReadOnlyList<string> LintDiagnostics);

/// <summary>
/// Builds and lints every .bicep file under infra/ once per test run (one build and one lint process, in
/// parallel) and shares the per-file results with every test in the <see cref="BicepTests"/> collection.
/// </summary>
public sealed class BicepFixture : IAsyncLifetime
{
    readonly Dictionary<string, BicepFileResult> results = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, JsonObject> templates = new(StringComparer.Ordinal);
    readonly string outputDirectory = Path.Combine(Path.GetTempPath(), $"sora-bicep-{Guid.NewGuid():N}");

    /// <summary>The build command, for messages.</summary>
    public BicepRun? Build { get; private set; }

    /// <summary>The lint command, for messages.</summary>
    public BicepRun? Lint { get; private set; }

    /// <summary>The result for a file, relative to infra/ with forward slashes (e.g. <c>app/api.bicep</c>).</summary>
    public BicepFileResult Result(string file) =>
        results.TryGetValue(file, out BicepFileResult? result)
            ? result
            : throw new KeyNotFoundException($"infra/{file} was not built; files: {string.Join(", ", results.Keys)}");

    /// <summary>The compiled ARM template of a file (parsed once; treat it as read-only).</summary>
    public JsonObject Template(string file) => templates.GetOrAdd(file, f =>
    {
        BicepFileResult result = Result(f);
        Assert.True(result.Template is not null, $"bicep build wrote no template for infra/{f}: {string.Join('\n', result.BuildDiagnostics)}");
        return JsonNode.Parse(result.Template)?.AsObject() ?? throw new InvalidOperationException($"infra/{f} compiled to an empty template.");
    });

    public async Task InitializeAsync()
    {
        string bicep = RepoPaths.BicepPath;
        BicepCli.EnsureExecutable(bicep);
        Directory.CreateDirectory(outputDirectory);

        Task<BicepRun> build = BicepCli.BuildAllAsync(bicep, outputDirectory, CancellationToken.None);
        Task<BicepRun> lint = BicepCli.LintAllAsync(bicep, CancellationToken.None);
        Build = await build;
        Lint = await lint;

        IReadOnlyList<string> files = RepoPaths.BicepFiles();
        foreach (string file in files)
        {
            string output = Path.Combine(outputDirectory, Path.ChangeExtension(file, ".json"));
            results[file] = new BicepFileResult(
                file,
                File.Exists(output) ? await File.ReadAllTextAsync(output) : null,
                For(file, files, Build.Diagnostics),
                For(file, files, Lint.Diagnostics));
        }
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(outputDirectory))
        {
            Directory.Delete(outputDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>The lines about one file; a line naming no known file counts against every file.</summary>
    static List<string> For(string file, IReadOnlyList<string> files, IReadOnlyList<string> diagnostics)
    {
        string FullPath(string f) => Path.Combine(RepoPaths.InfraDirectory, f.Replace('/', Path.DirectorySeparatorChar)) + "(";
        string mine = FullPath(file);
        string[] all = [.. files.Select(FullPath)];
        return [.. diagnostics.Where(l => l.StartsWith(mine, StringComparison.Ordinal) || !all.Any(p => l.StartsWith(p, StringComparison.Ordinal)))];
    }
}

/// <summary>Tests sharing one <see cref="BicepFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class BicepTests : ICollectionFixture<BicepFixture>
{
    public const string Name = "Bicep";
}
