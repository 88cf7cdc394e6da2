using System.Reflection;

namespace SoraFunctions.Infra.Tests.Support;

/// <summary>Where the repository, its infra folder and the Bicep CLI are.</summary>
public static class RepoPaths
{
    static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the folder holding SoraFunctions.sln).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>The infra folder.</summary>
    public static string InfraDirectory => Path.Combine(RepoRoot, "infra");

    /// <summary>The Bicep CLI restored from the Azure.Bicep.CommandLine.linux-x64 package.</summary>
    public static string BicepPath => Metadata("BicepPath")
        ?? throw new InvalidOperationException("The test assembly has no BicepPath metadata; build the test project with dotnet build.");

    /// <summary>A path under the repository root, from a path with forward slashes.</summary>
    public static string InRepo(string relativePath) =>
        Path.Combine([RepoRoot, .. relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries)]);

    /// <summary>Every .bicep file under infra/, relative to infra/ with forward slashes, sorted.</summary>
    public static IReadOnlyList<string> BicepFiles() =>
        [.. Directory.EnumerateFiles(InfraDirectory, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(InfraDirectory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];

    static string FindRoot()
    {
        string? fromMetadata = Metadata("RepoRoot");
        if (!string.IsNullOrEmpty(fromMetadata) && File.Exists(Path.Combine(fromMetadata, "SoraFunctions.sln")))
        {
            return Path.GetFullPath(fromMetadata);
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SoraFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No SoraFunctions.sln above {AppContext.BaseDirectory}.");
    }

    static string? Metadata(string key) =>
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
}
