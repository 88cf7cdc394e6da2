using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SoraFunctions.Limits;
using SoraFunctions.Testing;

namespace SoraFunctions.Tests.Limits;

/// <summary>One Azurite for the limits tests; each test gets its own table, so tests never see each other's rows.</summary>
[CollectionDefinition(Name)]
public sealed class LimitsAzuriteGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "limits-azurite";
}

static class LimitsStore
{
    public static IOptions<LimitsOptions> Options(Action<LimitsOptions>? configure = null)
    {
        var options = new LimitsOptions { TableName = "lim" + Guid.NewGuid().ToString("N")[..20] };
        configure?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public static LimitsTable Table(AzuriteFixture azurite, IOptions<LimitsOptions> options) =>
        new(new TableServiceClient(azurite.Server.ConnectionString), options);
}
