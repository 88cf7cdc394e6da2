using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SoraFunctions.Telemetry;

/// <summary>
/// The pipeline's own spans and metrics, under one name both hosts export through OpenTelemetry. Every span carries
/// the job id (<see cref="JobIdTag"/>) so that one job can be followed from the HTTP call through every activity.
/// </summary>
public static class PipelineTelemetry
{
    public const string Name = "SoraFunctions.Pipeline";

    /// <summary>The tag naming the job on every span the pipeline makes.</summary>
    public const string JobIdTag = "sora.job_id";

    /// <summary>The tag the Durable Task worker puts on its own spans; the job id when the caller has none at hand.</summary>
    const string DurableInstanceTag = "durabletask.task.instance_id";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> JobsStarted = Meter.CreateCounter<long>("sora.jobs.started", "{job}", "Jobs accepted and scheduled.");

    public static readonly Counter<long> JobsCompleted = Meter.CreateCounter<long>("sora.jobs.completed", "{job}", "Jobs whose video was stored.");

    public static readonly Counter<long> JobsFailed = Meter.CreateCounter<long>("sora.jobs.failed", "{job}", "Jobs that ended failed, by error code.");

    public static readonly Counter<long> ProviderCalls = Meter.CreateCounter<long>("sora.provider.calls", "{call}", "Provider calls by kind and outcome.");

    public static readonly Counter<long> ProviderThrottled = Meter.CreateCounter<long>("sora.provider.throttled", "{call}", "Provider answers 429 (too many requests).");

    public static readonly Histogram<double> StoreDelay = Meter.CreateHistogram<double>(
        "sora.store.delay", "s", "Time from the provider finishing the video to the blob being committed.");

    public static readonly Histogram<double> JobStartDelay = Meter.CreateHistogram<double>(
        "sora.job.start_delay", "s", "Time from a job's submission to its orchestration's first step.");

    public static readonly Histogram<double> TimerLateness = Meter.CreateHistogram<double>(
        "sora.timer.lateness", "s", "Time from a durable timer's due time to the orchestration step that saw it fire.");

    public static readonly Histogram<double> ActivityRoundTrip = Meter.CreateHistogram<double>(
        "sora.activity.round_trip", "s", "Time from an orchestration step scheduling an activity to the step that saw its result, by activity.");

    public static readonly Counter<long> BytesStored = Meter.CreateCounter<long>("sora.store.bytes", "By", "Video bytes committed to blob storage.");

    public static readonly Counter<double> EstimatedCost = Meter.CreateCounter<double>("sora.cost.estimated", "USD", "Estimated cost of the jobs started.");

    public static readonly UpDownCounter<long> WatchedVideos = Meter.CreateUpDownCounter<long>(
        "sora.watch.videos", "{video}", "Videos this process's watch is polling (Pipeline:WatchInProcess).");

    public static readonly Counter<long> WatchNotices = Meter.CreateCounter<long>(
        "sora.watch.notices", "{video}", "Ended videos the watch handed to their job, by whether it stored them first.");

    /// <summary>
    /// Starts a pipeline span tagged with the job id; when <paramref name="jobId"/> is null it is taken from the
    /// enclosing Durable Task span, when there is one. Null when nobody listens.
    /// </summary>
    public static Activity? StartActivity(string name, string? jobId, ActivityKind kind = ActivityKind.Internal)
    {
        Activity? activity = Source.StartActivity(name, kind);
        if (activity is not null)
        {
            activity.SetTag(JobIdTag, jobId ?? FindJobId(activity.Parent));
        }

        return activity;
    }

    /// <summary>Counts one provider call by kind (create, get, content, delete, find) and outcome.</summary>
    public static void ProviderCall(string kind, string outcome, int? statusCode)
    {
        ProviderCalls.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));
        if (statusCode == 429)
        {
            ProviderThrottled.Add(1, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Marks a span as failed with the pipeline's error code.</summary>
    public static void Fail(this Activity? activity, string? code)
    {
        activity?.SetStatus(ActivityStatusCode.Error, code);
        activity?.SetTag("sora.error_code", code);
    }

    static string? FindJobId(Activity? activity)
    {
        for (Activity? current = activity; current is not null; current = current.Parent)
        {
            if (current.GetTagItem(JobIdTag) is string own)
            {
                return own;
            }

            if (current.GetTagItem(DurableInstanceTag) is string instance)
            {
                return instance;
            }
        }

        return null;
    }
}
