using Microsoft.Extensions.Options;

namespace SoraFunctions.Tests;

/// <summary>Provider adapters for tests that need one's models and defaults but make no provider call.</summary>
static class TestProviders
{
    /// <summary>The Sora adapter with default settings and no webhook secret.</summary>
    public static SoraVideoProvider Sora { get; } = new(Mock.Of<ISoraClient>(), Options.Create(new SoraOptions()));
}
