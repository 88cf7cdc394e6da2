using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace SoraFunctions.EndToEnd.Tests.Support;

/// <summary>Every blob of the output container, committed or not, to check that each job left exactly one whole video.</summary>
sealed class BlobInventory
{
    readonly List<BlobItem> all;

    BlobInventory(List<BlobItem> all) => this.all = all;

    /// <summary>Every blob, committed and uncommitted (a blob with only staged blocks is listed as uncommitted).</summary>
    public IReadOnlyList<BlobItem> All => all;

    public static async Task<BlobInventory> ReadAsync(BlobContainerClient container)
    {
        List<BlobItem> all = [];
        await foreach (BlobItem item in container.GetBlobsAsync(BlobTraits.None, BlobStates.Uncommitted, prefix: null, CancellationToken.None))
        {
            all.Add(item);
        }

        return new BlobInventory(all);
    }

    /// <summary>The blobs stored under a job's name (<c>yyyy/MM/dd/{id}.mp4</c>).</summary>
    public IReadOnlyList<BlobItem> Of(string jobId) =>
        [.. all.Where(item => item.Name.EndsWith($"/{jobId}.mp4", StringComparison.Ordinal))];

    /// <summary>Names of blobs that still hold staged blocks no commit took (a store cut off halfway).</summary>
    public static async Task<IReadOnlyList<string>> WithUncommittedBlocksAsync(BlobContainerClient container, IEnumerable<BlobItem> blobs)
    {
        List<string> partial = [];
        foreach (BlobItem blob in blobs)
        {
            BlockList blocks = (await container.GetBlockBlobClient(blob.Name).GetBlockListAsync(BlockListTypes.All)).Value;
            if (blocks.UncommittedBlocks.Any())
            {
                partial.Add(blob.Name);
            }
        }

        return partial;
    }
}
