using SoraEmulator.Jobs;

namespace SoraEmulator;

enum JobFace
{
    Sora,
    Runway,
}

/// <summary>Per-job counters; shared by the job (for faults) and the stats (for reporting).</summary>
sealed class VideoRecord(
    string id,
    long sequence,
    string prompt,
    DateTimeOffset createdAt,
    DateTimeOffset? completedAt,
    DateTimeOffset? finishesAt = null,
    JobFace face = JobFace.Sora)
{
    int retrieves;
    int downloads;
    int contentRequests;
    long seenCompletedTicks;
    long lastUnfinishedTicks;
    long removedTicks;

    public string Id { get; } = id;
    public long Sequence { get; } = sequence;
    public string Prompt { get; } = prompt;
    public JobFace Face { get; } = face;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public DateTimeOffset? CompletedAt { get; } = completedAt;

    /// <summary>When the job completes or fails; null when it never finishes (stall).</summary>
    public DateTimeOffset? FinishesAt { get; } = finishesAt ?? completedAt;

    public int Retrieves => Volatile.Read(ref retrieves);
    public int Downloads => Volatile.Read(ref downloads);

    /// <summary>When a retrieve first answered this video as completed.</summary>
    public DateTimeOffset? SeenCompletedAt => TicksToTime(Interlocked.Read(ref seenCompletedTicks));

    /// <summary>When the job was deleted (or cancelled); null while it exists.</summary>
    public DateTimeOffset? RemovedAt => TicksToTime(Interlocked.Read(ref removedTicks));

    /// <summary>When the job stopped being in flight: finished or removed, whichever came first.</summary>
    public DateTimeOffset? EndedAt => (FinishesAt, RemovedAt) switch
    {
        ({ } f, { } r) => f < r ? f : r,
        (var f, var r) => f ?? r,
    };

    /// <summary>When the last retrieve that answered the job still queued or in progress came.</summary>
    public DateTimeOffset? LastSeenUnfinishedAt => TicksToTime(Interlocked.Read(ref lastUnfinishedTicks));

    /// <summary>Notes what a retrieve answered: the first answer of completed, the last of queued or in progress.</summary>
    public void NoteAnswered(VideoStatus status, DateTimeOffset now)
    {
        if (status == VideoStatus.Completed)
        {
            NoteSeenCompleted(now);
        }
        else if (status is VideoStatus.Queued or VideoStatus.InProgress)
        {
            NoteSeenUnfinished(now);
        }
    }

    void NoteSeenUnfinished(DateTimeOffset now)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref lastUnfinishedTicks);
            if (now.UtcTicks <= seen)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref lastUnfinishedTicks, now.UtcTicks, seen) != seen);
    }

    /// <summary>Notes a retrieve that answered completed (only the first one counts).</summary>
    public void NoteSeenCompleted(DateTimeOffset now) => Interlocked.CompareExchange(ref seenCompletedTicks, now.UtcTicks, 0);

    /// <summary>The order of the create among every create and delete (see <see cref="EmulatorStats.MaxInFlight"/>).</summary>
    public long CreatedOrder { get; set; }

    /// <summary>The order of the delete among every create and delete; 0 while the job exists.</summary>
    public long RemovedOrder { get; private set; }

    public void NoteRemoved(DateTimeOffset now, long order)
    {
        if (Interlocked.CompareExchange(ref removedTicks, now.UtcTicks, 0) == 0)
        {
            RemovedOrder = order;
        }
    }

    /// <summary>Counts one retrieve and returns its 1-based number.</summary>
    public int NextRetrieve() => Interlocked.Increment(ref retrieves);

    /// <summary>Counts one content request of a completed video and returns its 1-based number.</summary>
    public int NextContentRequest() => Interlocked.Increment(ref contentRequests);

    /// <summary>Counts one download and returns its 1-based number.</summary>
    public int NextDownload() => Interlocked.Increment(ref downloads);

    static DateTimeOffset? TicksToTime(long ticks) => ticks > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
}
