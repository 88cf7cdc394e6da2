using SoraFunctions.Testing;

namespace SoraFunctions.Catalog.Tests.Support;

/// <summary>One Azurite for every test class that talks to storage.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
