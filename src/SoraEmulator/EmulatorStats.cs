using System.Collections.Concurrent;

namespace SoraEmulator;

/// <summary>
/// Thread-safe counters of the emulator: the in-process view of <c>GET /_emulator/stats</c>.
/// Create, retrieve, list, delete and remix totals count every request that passed authentication, faults
/// included. Downloads count the answers that started sending bytes (direct or through a signed URL).
/// Per-video entries outlive a DELETE and are cleared only by a reset.
/// </summary>
public sealed class EmulatorStats
{
    private readonly ConcurrentDictionary<string, VideoRecord> _videos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _createsByPrompt = new(StringComparer.Ordinal);
    private int _creates;
    private int _retrieves;
    private int _downloads;
    private int _lists;
    private int _deletes;
    private int _remixes;

    internal EmulatorStats()
    {
    }

    /// <summary>Create requests (POST /v1/videos) received.</summary>
    public int Creates => Volatile.Read(ref _creates);

    /// <summary>Retrieve requests (GET /v1/videos/{id}) received.</summary>
    public int Retrieves => Volatile.Read(ref _retrieves);

    /// <summary>Downloads that started sending bytes.</summary>
    public int Downloads => Volatile.Read(ref _downloads);

    /// <summary>List requests received.</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>Delete requests received.</summary>
    public int Deletes => Volatile.Read(ref _deletes);

    /// <summary>Remix requests received.</summary>
    public int Remixes => Volatile.Read(ref _remixes);

    /// <summary>Ids of every video created since the last reset (deleted ones included), oldest first.</summary>
    public IReadOnlyList<string> VideoIds =>
        [.. _videos.Values.OrderBy(v => v.Sequence).Select(v => v.Id)];

    /// <summary>Create requests received with exactly this prompt (whatever their answer).</summary>
    public int CreatesWithPrompt(string prompt) => _createsByPrompt.GetValueOrDefault(prompt);

    /// <summary>Videos actually created (create, lost create or remix) with exactly this prompt.</summary>
    public int VideosWithPrompt(string prompt) => _videos.Values.Count(v => v.Prompt == prompt);

    /// <summary>Ids of the videos created with exactly this prompt, oldest first.</summary>
    public IReadOnlyList<string> VideoIdsWithPrompt(string prompt) =>
        [.. _videos.Values.Where(v => v.Prompt == prompt).OrderBy(v => v.Sequence).Select(v => v.Id)];

    /// <summary>Retrieve requests of one video (faulted ones included); 0 when unknown.</summary>
    public int RetrievesOf(string videoId) => _videos.TryGetValue(videoId, out var v) ? v.Retrieves : 0;

    /// <summary>Downloads of one video that started sending bytes; 0 when unknown.</summary>
    public int DownloadsOf(string videoId) => _videos.TryGetValue(videoId, out var v) ? v.Downloads : 0;

    /// <summary>When the video was created; null when unknown.</summary>
    public DateTimeOffset? CreatedAtOf(string videoId) => _videos.TryGetValue(videoId, out var v) ? v.CreatedAt : null;

    /// <summary>The exact time the video completes or completed; null when unknown, failing or stalled.</summary>
    public DateTimeOffset? CompletedAtOf(string videoId) => _videos.TryGetValue(videoId, out var v) ? v.CompletedAt : null;

    /// <summary>
    /// When a retrieve first answered the video as completed: how soon after <see cref="CompletedAtOf"/> a client
    /// noticed. Null until then.
    /// </summary>
    public DateTimeOffset? SeenCompletedAtOf(string videoId) => _videos.TryGetValue(videoId, out var v) ? v.SeenCompletedAt : null;

    /// <summary>A copy of every counter, as served by <c>GET /_emulator/stats</c>.</summary>
    public EmulatorStatsSnapshot Snapshot() => new(
        Creates, Retrieves, Downloads, Lists, Deletes, Remixes,
        _videos.Values.OrderBy(v => v.Sequence).ToDictionary(
            v => v.Id,
            v => new VideoStatsSnapshot(v.Prompt, v.Retrieves, v.Downloads, v.CreatedAt, v.CompletedAt, v.SeenCompletedAt),
            StringComparer.Ordinal));

    internal int CountCreate(string? prompt)
    {
        Interlocked.Increment(ref _creates);
        return prompt is null ? 0 : _createsByPrompt.AddOrUpdate(prompt, 1, static (_, n) => n + 1);
    }

    internal void CountRetrieve() => Interlocked.Increment(ref _retrieves);

    internal void CountDownload() => Interlocked.Increment(ref _downloads);

    internal void CountList() => Interlocked.Increment(ref _lists);

    internal void CountDelete() => Interlocked.Increment(ref _deletes);

    internal void CountRemix() => Interlocked.Increment(ref _remixes);

    internal void Add(VideoRecord record) => _videos[record.Id] = record;

    internal void Clear()
    {
        _videos.Clear();
        _createsByPrompt.Clear();
        Interlocked.Exchange(ref _creates, 0);
        Interlocked.Exchange(ref _retrieves, 0);
        Interlocked.Exchange(ref _downloads, 0);
        Interlocked.Exchange(ref _lists, 0);
        Interlocked.Exchange(ref _deletes, 0);
        Interlocked.Exchange(ref _remixes, 0);
    }
}

/// <summary>All counters at one moment.</summary>
public sealed record EmulatorStatsSnapshot(
    int Creates,
    int Retrieves,
    int Downloads,
    int Lists,
    int Deletes,
    int Remixes,
    IReadOnlyDictionary<string, VideoStatsSnapshot> Videos);

/// <summary>The counters and times of one video.</summary>
public sealed record VideoStatsSnapshot(
    string Prompt,
    int Retrieves,
    int Downloads,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? SeenCompletedAt = null);

/// <summary>Per-video counters; shared by the job (for faults) and the stats (for reporting).</summary>
internal sealed class VideoRecord(string id, long sequence, string prompt, DateTimeOffset createdAt, DateTimeOffset? completedAt)
{
    private int _retrieves;
    private int _downloads;

    public string Id { get; } = id;
    public long Sequence { get; } = sequence;
    public string Prompt { get; } = prompt;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public DateTimeOffset? CompletedAt { get; } = completedAt;
    public int Retrieves => Volatile.Read(ref _retrieves);
    public int Downloads => Volatile.Read(ref _downloads);

    private long _seenCompletedTicks;

    /// <summary>When a retrieve first answered this video as completed.</summary>
    public DateTimeOffset? SeenCompletedAt => Interlocked.Read(ref _seenCompletedTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Notes a retrieve that answered completed (only the first one counts).</summary>
    public void NoteSeenCompleted(DateTimeOffset now) => Interlocked.CompareExchange(ref _seenCompletedTicks, now.UtcTicks, 0);

    /// <summary>Counts one retrieve and returns its 1-based number.</summary>
    public int NextRetrieve() => Interlocked.Increment(ref _retrieves);

    /// <summary>Counts one download and returns its 1-based number.</summary>
    public int NextDownload() => Interlocked.Increment(ref _downloads);
}
