namespace SoraFunctions.Catalog;

/// <summary>
/// Creates a table or container once per instance, however many callers ask at the same time: they all wait on the
/// one creation (a crowd of jobs finishing at once asked 50 times). A failed or canceled creation is tried again by
/// the next caller, and one caller's cancellation never cancels the creation the others wait on.
/// </summary>
public sealed class CreateOnce(Func<CancellationToken, Task> create)
{
    Task? creating;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        Task? current = Volatile.Read(ref creating);
        if (current is { IsCompletedSuccessfully: true })
        {
            return;
        }

        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            Task mine = create(CancellationToken.None);
            current = Interlocked.CompareExchange(ref creating, mine, current) == current ? mine : Volatile.Read(ref creating)!;
        }

        await current.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
