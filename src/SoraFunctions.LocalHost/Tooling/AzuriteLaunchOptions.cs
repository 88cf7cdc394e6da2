using Microsoft.Extensions.Logging.Abstractions;

namespace SoraFunctions.LocalHost.Tooling;

/// <summary>How to start Azurite.</summary>
public sealed record AzuriteLaunchOptions
{
    /// <summary>The Azurite version installed when missing.</summary>
    public const string DefaultVersion = "3.35.0";

    /// <summary>Where Azurite keeps its data; null runs it with <c>--inMemoryPersistence</c> (nothing survives).</summary>
    public string? DataFolder { get; init; }

    /// <summary>The blob port; 0 picks a free one.</summary>
    public int BlobPort { get; init; }

    /// <summary>The queue port; 0 picks a free one.</summary>
    public int QueuePort { get; init; }

    /// <summary>The table port; 0 picks a free one.</summary>
    public int TablePort { get; init; }

    /// <summary>Where Azurite is installed with npm (<c>{ToolsFolder}/node_modules/azurite</c>); null means <c>{repoRoot}/.local/tools</c>.</summary>
    public string? ToolsFolder { get; init; }

    /// <summary>The Azurite version to install when missing or different.</summary>
    public string Version { get; init; } = DefaultVersion;

    /// <summary>How long to wait for Azurite to listen.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for an install (including waiting for another process's install).</summary>
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Options for Node.js itself, placed before Azurite's script: for example <c>--cpu-prof</c> and
    /// <c>--cpu-prof-dir=…</c>, which write a CPU profile when a persistent Azurite stops (the benchmark's
    /// <c>--azurite-cpu-profile</c>). Node refuses <c>--cpu-prof</c> in <c>NODE_OPTIONS</c>.
    /// </summary>
    public IReadOnlyList<string> NodeArguments { get; init; } = [];

    /// <summary>Receives install and start-up progress, and Azurite's own output at Debug level.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
