namespace SoraFunctions.EndToEnd.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes; never sleeps blindly.</summary>
static class Poll
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Calls <paramref name="probe"/> until it returns a non-null value; throws with <paramref name="what"/> on timeout.</summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        using CancellationTokenSource deadline = new(timeout);
        using PeriodicTimer timer = new(Interval);
        try
        {
            while (true)
            {
                T? value = await probe(deadline.Token);
                if (value is not null)
                {
                    return value;
                }

                await timer.WaitForNextTickAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
        }
    }
}
