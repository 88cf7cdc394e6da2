using System.Collections.Concurrent;

namespace SoraEmulator;

/// <summary>
/// Thread-safe counters of the emulator: the in-process view of <c>GET /_emulator/stats</c>.
/// Create, retrieve, list, delete and remix totals count every request that passed authentication, faults
/// included. Downloads count the answers that started sending bytes (direct or through a signed URL).
/// The Sora face and the Runway face have separate request counters (<c>Runway…</c>); per-job entries of both live
/// side by side (Sora ids start with <c>video_</c>, Runway ids are UUIDs), so the <c>…Of(id)</c> members answer for
/// either. Per-job entries outlive a DELETE and are cleared only by a reset.
/// </summary>
public sealed class EmulatorStats
{
    readonly ConcurrentDictionary<string, VideoRecord> jobs = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int> createsByPrompt = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int> runwayCreatesByPrompt = new(StringComparer.Ordinal);
    readonly TimeProvider time;
    int creates;
    int retrieves;
    int downloads;
    int lists;
    int deletes;
    int remixes;
    int runwayCreates;
    int runwayRetrieves;
    int runwayDownloads;
    int runwayDeletes;
    int secretsSentToOutput;
    int webhooksSent;
    int webhookAttempts;
    int webhooksFailed;
    long eventOrder;

    internal EmulatorStats(TimeProvider time)
    {
        this.time = time;
    }

    /// <summary>Create requests (POST /v1/videos) received.</summary>
    public int Creates => Volatile.Read(ref creates);

    /// <summary>Retrieve requests (GET /v1/videos/{id}) received.</summary>
    public int Retrieves => Volatile.Read(ref retrieves);

    /// <summary>Sora downloads that started sending bytes.</summary>
    public int Downloads => Volatile.Read(ref downloads);

    /// <summary>List requests received.</summary>
    public int Lists => Volatile.Read(ref lists);

    /// <summary>Delete requests received.</summary>
    public int Deletes => Volatile.Read(ref deletes);

    /// <summary>Remix requests received.</summary>
    public int Remixes => Volatile.Read(ref remixes);

    /// <summary>Runway create requests (POST /v1/text_to_video or /v1/image_to_video) received.</summary>
    public int RunwayCreates => Volatile.Read(ref runwayCreates);

    /// <summary>Runway retrieve requests (GET /v1/tasks/{id}) received.</summary>
    public int RunwayRetrieves => Volatile.Read(ref runwayRetrieves);

    /// <summary>Downloads of Runway output URLs that started sending bytes.</summary>
    public int RunwayDownloads => Volatile.Read(ref runwayDownloads);

    /// <summary>Runway delete requests (DELETE /v1/tasks/{id}) received.</summary>
    public int RunwayDeletes => Volatile.Read(ref runwayDeletes);

    /// <summary>
    /// Requests to an output URL (a Runway output or a Sora signed URL) that carried <c>Authorization</c> or
    /// <c>api-key</c>: a client leaking its secret to a storage host. Such requests are answered 400.
    /// </summary>
    public int SecretsSentToOutput => Volatile.Read(ref secretsSentToOutput);

    /// <summary>Webhook events delivered (the receiver answered 2xx).</summary>
    public int WebhooksSent => Volatile.Read(ref webhooksSent);

    /// <summary>Webhook delivery attempts, retries included.</summary>
    public int WebhookAttempts => Volatile.Read(ref webhookAttempts);

    /// <summary>Webhook events given up after every attempt failed.</summary>
    public int WebhooksFailed => Volatile.Read(ref webhooksFailed);

    /// <summary>
    /// Jobs of both faces in flight now: created and not yet completed, failed or deleted (a stalled job stays in
    /// flight until deleted).
    /// </summary>
    public int InFlight
    {
        get
        {
            DateTimeOffset now = time.GetUtcNow();
            return jobs.Values.Count(j => j.CreatedAt <= now && !(j.EndedAt is { } end && end <= now));
        }
    }

    /// <summary>
    /// The largest number of jobs of both faces in flight at any moment since the last reset, up to now. Exact:
    /// computed from each job's creation, finish and deletion, so a job that finishes at the instant another is
    /// created never overlaps it, while creates and deletes at one instant of a fake clock count in the order they
    /// happened.
    /// </summary>
    public int MaxInFlight
    {
        get
        {
            DateTimeOffset now = time.GetUtcNow();
            var events = new List<(DateTimeOffset At, int Rank, long Order, int Delta)>();
            foreach (VideoRecord job in jobs.Values)
            {
                events.Add((job.CreatedAt, 1, job.CreatedOrder, 1));
                if (job.EndedAt is not { } end || end > now)
                {
                    continue;
                }

                // A finish is a moment on the clock, and frees its slot for a job created at that same moment;
                // a delete is a request, ordered among the creates by when it arrived.
                events.Add(job.RemovedAt == end && job.FinishesAt != end ? (end, 1, job.RemovedOrder, -1) : (end, 0, 0, -1));
            }

            events.Sort((a, b) => (a.At, a.Rank, a.Order).CompareTo((b.At, b.Rank, b.Order)));
            int current = 0, max = 0;
            foreach ((DateTimeOffset At, int Rank, long Order, int Delta) e in events)
            {
                current += e.Delta;
                max = Math.Max(max, current);
            }

            return max;
        }
    }

    /// <summary>Ids of every Sora video created since the last reset (deleted ones included), oldest first.</summary>
    public IReadOnlyList<string> VideoIds => IdsOf(JobFace.Sora, null);

    /// <summary>Ids of every Runway task created since the last reset (deleted ones included), oldest first.</summary>
    public IReadOnlyList<string> RunwayTaskIds => IdsOf(JobFace.Runway, null);

    /// <summary>Sora create requests received with exactly this prompt (whatever their answer).</summary>
    public int CreatesWithPrompt(string prompt) => createsByPrompt.GetValueOrDefault(prompt);

    /// <summary>Runway create requests received with exactly this <c>promptText</c> (whatever their answer).</summary>
    public int RunwayCreatesWithPrompt(string promptText) => runwayCreatesByPrompt.GetValueOrDefault(promptText);

    /// <summary>Sora videos actually created (create, lost create or remix) with exactly this prompt.</summary>
    public int VideosWithPrompt(string prompt) => IdsOf(JobFace.Sora, prompt).Count;

    /// <summary>Ids of the Sora videos created with exactly this prompt, oldest first.</summary>
    public IReadOnlyList<string> VideoIdsWithPrompt(string prompt) => IdsOf(JobFace.Sora, prompt);

    /// <summary>Ids of the Runway tasks actually created (lost creates included) with exactly this <c>promptText</c>.</summary>
    public IReadOnlyList<string> RunwayTaskIdsWithPrompt(string promptText) => IdsOf(JobFace.Runway, promptText);

    /// <summary>Retrieve requests of one video or task (faulted ones included); 0 when unknown.</summary>
    public int RetrievesOf(string id) => jobs.TryGetValue(id, out VideoRecord? v) ? v.Retrieves : 0;

    /// <summary>Downloads of one video or task that started sending bytes; 0 when unknown.</summary>
    public int DownloadsOf(string id) => jobs.TryGetValue(id, out VideoRecord? v) ? v.Downloads : 0;

    /// <summary>When the video or task was created; null when unknown.</summary>
    public DateTimeOffset? CreatedAtOf(string id) => jobs.TryGetValue(id, out VideoRecord? v) ? v.CreatedAt : null;

    /// <summary>The exact time the video or task completes or completed; null when unknown, failing or stalled.</summary>
    public DateTimeOffset? CompletedAtOf(string id) => jobs.TryGetValue(id, out VideoRecord? v) ? v.CompletedAt : null;

    /// <summary>
    /// When a retrieve first answered the video (or task) as completed, or its content was first asked for (a client
    /// that learned of it from the list): how soon after <see cref="CompletedAtOf"/> a client noticed. Null until then.
    /// </summary>
    public DateTimeOffset? SeenCompletedAtOf(string id) => jobs.TryGetValue(id, out VideoRecord? v) ? v.SeenCompletedAt : null;

    /// <summary>When the last retrieve that answered the video still queued or in progress came; null when none did.</summary>
    public DateTimeOffset? LastSeenUnfinishedAtOf(string id) => jobs.TryGetValue(id, out VideoRecord? v) ? v.LastSeenUnfinishedAt : null;

    /// <summary>A copy of every counter, as served by <c>GET /_emulator/stats</c>.</summary>
    public EmulatorStatsSnapshot Snapshot() => new(
        Creates, Retrieves, Downloads, Lists, Deletes, Remixes,
        SnapshotOf(JobFace.Sora))
    {
        RunwayCreates = RunwayCreates,
        RunwayRetrieves = RunwayRetrieves,
        RunwayDownloads = RunwayDownloads,
        RunwayDeletes = RunwayDeletes,
        SecretsSentToOutput = SecretsSentToOutput,
        InFlight = InFlight,
        MaxInFlight = MaxInFlight,
        WebhooksSent = WebhooksSent,
        WebhookAttempts = WebhookAttempts,
        WebhooksFailed = WebhooksFailed,
        RunwayTasks = SnapshotOf(JobFace.Runway),
    };

    IReadOnlyList<string> IdsOf(JobFace face, string? prompt) =>
        [.. jobs.Values.Where(v => v.Face == face && (prompt is null || v.Prompt == prompt)).OrderBy(v => v.Sequence).Select(v => v.Id)];

    Dictionary<string, VideoStatsSnapshot> SnapshotOf(JobFace face) =>
        jobs.Values.Where(v => v.Face == face).OrderBy(v => v.Sequence).ToDictionary(
            v => v.Id,
            v => new VideoStatsSnapshot(v.Prompt, v.Retrieves, v.Downloads, v.CreatedAt, v.CompletedAt, v.SeenCompletedAt, v.LastSeenUnfinishedAt),
            StringComparer.Ordinal);

    internal int CountCreate(string? prompt)
    {
        Interlocked.Increment(ref creates);
        return prompt is null ? 0 : createsByPrompt.AddOrUpdate(prompt, 1, static (_, n) => n + 1);
    }

    /// <summary>Counts a Runway create and returns its 1-based number for this prompt text ("" when absent).</summary>
    internal int CountRunwayCreate(string promptText)
    {
        Interlocked.Increment(ref runwayCreates);
        return runwayCreatesByPrompt.AddOrUpdate(promptText, 1, static (_, n) => n + 1);
    }

    internal void CountRetrieve() => Interlocked.Increment(ref retrieves);

    internal void CountDownload() => Interlocked.Increment(ref downloads);

    internal void CountList() => Interlocked.Increment(ref lists);

    internal void CountDelete() => Interlocked.Increment(ref deletes);

    internal void CountRemix() => Interlocked.Increment(ref remixes);

    internal void NoteInputReference(string prompt, string sha256) => inputReferences[prompt] = sha256;

    internal void CountConcurrencyRefusal() => Interlocked.Increment(ref concurrencyRefusals);

    /// <summary>Creates answered 429 because <see cref="EmulatorOptions.MaxInFlight"/> jobs were in flight.</summary>
    public int ConcurrencyRefusals => Volatile.Read(ref concurrencyRefusals);

    int concurrencyRefusals;

    /// <summary>The SHA-256 (lower-case hex) of the last <c>input_reference</c> file a create with this prompt carried.</summary>
    public string? InputReferenceOf(string prompt) => inputReferences.GetValueOrDefault(prompt);

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> inputReferences = new(StringComparer.Ordinal);

    internal void CountRunwayRetrieve() => Interlocked.Increment(ref runwayRetrieves);

    internal void CountRunwayDownload() => Interlocked.Increment(ref runwayDownloads);

    internal void CountRunwayDelete() => Interlocked.Increment(ref runwayDeletes);

    internal void CountSecretSentToOutput() => Interlocked.Increment(ref secretsSentToOutput);

    internal void CountWebhookAttempt() => Interlocked.Increment(ref webhookAttempts);

    internal void CountWebhookSent() => Interlocked.Increment(ref webhooksSent);

    internal void CountWebhookFailed() => Interlocked.Increment(ref webhooksFailed);

    internal void Add(VideoRecord record)
    {
        record.CreatedOrder = Interlocked.Increment(ref eventOrder);
        jobs[record.Id] = record;
    }

    /// <summary>Notes the deletion of a job (only the first one counts).</summary>
    internal void NoteRemoved(VideoRecord record, DateTimeOffset now) => record.NoteRemoved(now, Interlocked.Increment(ref eventOrder));

    internal void Clear()
    {
        jobs.Clear();
        createsByPrompt.Clear();
        runwayCreatesByPrompt.Clear();
        Interlocked.Exchange(ref creates, 0);
        Interlocked.Exchange(ref retrieves, 0);
        Interlocked.Exchange(ref downloads, 0);
        Interlocked.Exchange(ref lists, 0);
        Interlocked.Exchange(ref deletes, 0);
        Interlocked.Exchange(ref remixes, 0);
        Interlocked.Exchange(ref runwayCreates, 0);
        Interlocked.Exchange(ref runwayRetrieves, 0);
        Interlocked.Exchange(ref runwayDownloads, 0);
        Interlocked.Exchange(ref runwayDeletes, 0);
        Interlocked.Exchange(ref secretsSentToOutput, 0);
        Interlocked.Exchange(ref webhooksSent, 0);
        Interlocked.Exchange(ref webhookAttempts, 0);
        Interlocked.Exchange(ref webhooksFailed, 0);
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
    IReadOnlyDictionary<string, VideoStatsSnapshot> Videos)
{
    public int RunwayCreates { get; init; }
    public int RunwayRetrieves { get; init; }
    public int RunwayDownloads { get; init; }
    public int RunwayDeletes { get; init; }
    public int SecretsSentToOutput { get; init; }
    public int InFlight { get; init; }
    public int MaxInFlight { get; init; }
    public int WebhooksSent { get; init; }
    public int WebhookAttempts { get; init; }
    public int WebhooksFailed { get; init; }
    public IReadOnlyDictionary<string, VideoStatsSnapshot> RunwayTasks { get; init; } = new Dictionary<string, VideoStatsSnapshot>();
}

/// <summary>The counters and times of one video or task.</summary>
public sealed record VideoStatsSnapshot(
    string Prompt,
    int Retrieves,
    int Downloads,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? SeenCompletedAt = null,
    DateTimeOffset? LastSeenUnfinishedAt = null);
