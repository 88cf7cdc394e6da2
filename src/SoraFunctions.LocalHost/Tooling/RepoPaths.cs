namespace SoraFunctions.LocalHost.Tooling;

/// <summary>Finds the repository root, where project-local tools and data live under <c>.local/</c>.</summary>
public static class RepoPaths
{
    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFileName = "SoraFunctions.sln";

    /// <summary>
    /// The first parent folder of <see cref="AppContext.BaseDirectory"/>, then of the current directory, that holds
    /// <c>SoraFunctions.sln</c>; when there is none (an installed copy), <c>{LocalApplicationData}/SoraFunctions</c>.
    /// </summary>
    public static string FindRoot() =>
        TryFindRoot(AppContext.BaseDirectory)
        ?? TryFindRoot(Directory.GetCurrentDirectory())
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "SoraFunctions");

    /// <summary>The first folder at or above <paramref name="start"/> that holds <c>SoraFunctions.sln</c>, or null.</summary>
    public static string? TryFindRoot(string start)
    {
        ArgumentException.ThrowIfNullOrEmpty(start);
        for (var folder = new DirectoryInfo(Path.GetFullPath(start)); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, SolutionFileName)))
            {
                return folder.FullName;
            }
        }

        return null;
    }

    /// <summary><c>{root}/.local/tools</c>: where Azurite is installed.</summary>
    public static string ToolsFolder(string root) => Path.Combine(root, ".local", "tools");

    /// <summary><c>{root}/.local/azurite</c>: where the local host's Azurite keeps its data.</summary>
    public static string AzuriteDataFolder(string root) => Path.Combine(root, ".local", "azurite");
}
