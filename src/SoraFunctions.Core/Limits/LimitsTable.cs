using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Limits;

/// <summary>
/// The one table every limits service writes to, created on first use. Shared so that the table is created once
/// per process however many services and threads reach for it first.
/// </summary>
public sealed class LimitsTable
{
    readonly TableClient client;
    Task? creating;

    public LimitsTable(TableServiceClient tables, IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        client = tables.GetTableClient(options.Value.TableName);
    }

    public async Task<TableClient> GetAsync(CancellationToken cancellationToken)
    {
        Task? current = Volatile.Read(ref creating);
        // A failed or canceled creation is retried by the next caller instead of poisoning the process.
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            Task mine = CreateAsync();
            current = Interlocked.CompareExchange(ref creating, mine, current) == current ? mine : Volatile.Read(ref creating)!;
        }

        // One caller's cancellation must not cancel the creation others wait on.
        await current.WaitAsync(cancellationToken);
        return client;
    }

    async Task CreateAsync() => await client.CreateIfNotExistsAsync(CancellationToken.None);

    internal static bool IsConflict(RequestFailedException ex) => ex.Status is 409 or 412;
}
