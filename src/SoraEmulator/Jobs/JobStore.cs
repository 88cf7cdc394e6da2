using System.Security.Cryptography;

namespace SoraEmulator.Jobs;

/// <summary>The live jobs in creation order, with cursor positions that survive deletion.</summary>
sealed class JobStore
{
    readonly Lock gate = new();
    readonly Dictionary<string, VideoJob> jobs = new(StringComparer.Ordinal);
    readonly List<VideoJob> ordered = [];
    readonly Dictionary<string, long> sequenceById = new(StringComparer.Ordinal);
    long nextSequence;

    /// <summary>A new id of the form <c>video_</c> + 32 lowercase hex digits, and its list position.</summary>
    public (string Id, long Sequence) NextId()
    {
        lock (gate)
        {
            return ("video_" + RandomNumberGenerator.GetHexString(32, lowercase: true), ++nextSequence);
        }
    }

    /// <summary>A list position for a job kept elsewhere (a Runway task), so creation order spans both faces.</summary>
    public long NextSequence()
    {
        lock (gate)
        {
            return ++nextSequence;
        }
    }

    public void Add(VideoJob job)
    {
        lock (gate)
        {
            jobs.Add(job.Id, job);
            sequenceById[job.Id] = job.Sequence;
            int index = ordered.FindLastIndex(j => j.Sequence < job.Sequence);
            ordered.Insert(index + 1, job);
        }
    }

    public VideoJob? Find(string id)
    {
        lock (gate)
        {
            return jobs.GetValueOrDefault(id);
        }
    }

    public bool Remove(string id)
    {
        lock (gate)
        {
            if (!jobs.Remove(id, out VideoJob? job))
            {
                return false;
            }

            ordered.Remove(job);
            return true;
        }
    }

    /// <summary>One page of live jobs; null when <paramref name="after"/> was never a video id.</summary>
    public (IReadOnlyList<VideoJob> Page, bool HasMore)? Page(string? after, int limit, bool descending)
    {
        lock (gate)
        {
            IEnumerable<VideoJob> items = descending ? Enumerable.Reverse(ordered) : ordered;
            if (after is not null)
            {
                if (!sequenceById.TryGetValue(after, out long cursor))
                {
                    return null;
                }

                items = items.Where(j => descending ? j.Sequence < cursor : j.Sequence > cursor);
            }

            var page = items.Take(limit + 1).ToList();
            bool hasMore = page.Count > limit;
            if (hasMore)
            {
                page.RemoveAt(limit);
            }

            return (page, hasMore);
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            jobs.Clear();
            ordered.Clear();
            sequenceById.Clear();
        }
    }
}
