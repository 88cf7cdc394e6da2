using System.Security.Cryptography;

namespace SoraEmulator.Jobs;

/// <summary>The live jobs in creation order, with cursor positions that survive deletion.</summary>
internal sealed class JobStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VideoJob> _jobs = new(StringComparer.Ordinal);
    private readonly List<VideoJob> _ordered = [];
    private readonly Dictionary<string, long> _sequenceById = new(StringComparer.Ordinal);
    private long _nextSequence;

    /// <summary>A new id of the form <c>video_</c> + 32 lowercase hex digits, and its list position.</summary>
    public (string Id, long Sequence) NextId()
    {
        lock (_gate)
        {
            return ("video_" + RandomNumberGenerator.GetHexString(32, lowercase: true), ++_nextSequence);
        }
    }

    /// <summary>A list position for a job kept elsewhere (a Runway task), so creation order spans both faces.</summary>
    public long NextSequence()
    {
        lock (_gate)
        {
            return ++_nextSequence;
        }
    }

    public void Add(VideoJob job)
    {
        lock (_gate)
        {
            _jobs.Add(job.Id, job);
            _sequenceById[job.Id] = job.Sequence;
            var index = _ordered.FindLastIndex(j => j.Sequence < job.Sequence);
            _ordered.Insert(index + 1, job);
        }
    }

    public VideoJob? Find(string id)
    {
        lock (_gate)
        {
            return _jobs.GetValueOrDefault(id);
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            if (!_jobs.Remove(id, out var job))
            {
                return false;
            }

            _ordered.Remove(job);
            return true;
        }
    }

    /// <summary>One page of live jobs; null when <paramref name="after"/> was never a video id.</summary>
    public (IReadOnlyList<VideoJob> Page, bool HasMore)? Page(string? after, int limit, bool descending)
    {
        lock (_gate)
        {
            IEnumerable<VideoJob> items = descending ? Enumerable.Reverse(_ordered) : _ordered;
            if (after is not null)
            {
                if (!_sequenceById.TryGetValue(after, out var cursor))
                {
                    return null;
                }

                items = items.Where(j => descending ? j.Sequence < cursor : j.Sequence > cursor);
            }

            var page = items.Take(limit + 1).ToList();
            var hasMore = page.Count > limit;
            if (hasMore)
            {
                page.RemoveAt(limit);
            }

            return (page, hasMore);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _jobs.Clear();
            _ordered.Clear();
            _sequenceById.Clear();
        }
    }
}
