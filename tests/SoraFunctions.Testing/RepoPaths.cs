namespace SoraFunctions.Testing;

/// <summary>Paths in the repository the tests run from.</summary>
public static class RepoPaths
{
    static readonly Lazy<string> LazyRoot = new(() =>
        SoraFunctions.LocalHost.Tooling.RepoPaths.TryFindRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException(
            $"No parent folder of {AppContext.BaseDirectory} holds {SoraFunctions.LocalHost.Tooling.RepoPaths.SolutionFileName}; tests must run from the repository."));

    /// <summary>The repository root: the first parent folder of the test binaries holding <c>SoraFunctions.sln</c>.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>A path under the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);
}
