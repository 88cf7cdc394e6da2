using System.Collections.Concurrent;
using SoraEmulator.Jobs;

namespace SoraEmulator.Runway;

/// <summary>A Runway task: a job on the shared clock model, plus what only Runway has.</summary>
sealed record RunwayTask(VideoJob Job, RunwayRequest Request)
{
    public string Id => Job.Id;
}

/// <summary>The live Runway tasks. Runway has no list call, so no order is kept.</summary>
sealed class RunwayTaskStore
{
    readonly ConcurrentDictionary<string, RunwayTask> tasks = new(StringComparer.Ordinal);

    public void Add(RunwayTask task) => tasks[task.Id] = task;

    public RunwayTask? Find(string id) => tasks.GetValueOrDefault(id);

    public RunwayTask? Remove(string id) => tasks.TryRemove(id, out RunwayTask? task) ? task : null;

    public void Clear() => tasks.Clear();
}
