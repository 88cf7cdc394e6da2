using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq.Protected;

namespace SoraFunctions.Tests.Unit;

/// <summary>
/// A <see cref="Mock{TaskOrchestrationContext}"/> whose clock moves to each timer's due time, and whose activities
/// answer from queues, so that orchestrator decisions can be checked one by one.
/// </summary>
sealed class FakeOrchestrationContext
{
    readonly Dictionary<string, Queue<Func<object?, object>>> answers = [];
    readonly TaskCompletionSource<string?> cancel = new();
    TaskCompletionSource<System.Text.Json.JsonElement> providerEvent = new();

    public FakeOrchestrationContext(DateTime start)
    {
        Now = start;
        Mock.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now);
        Mock.SetupGet(c => c.InstanceId).Returns("job-1");
        Mock.Protected().SetupGet<ILoggerFactory>("LoggerFactory").Returns(NullLoggerFactory.Instance);
        Mock.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns((DateTime fireAt, CancellationToken _) =>
            {
                Timers.Add(fireAt);
                if (HoldTimers)
                {
                    OnTimer?.Invoke(Timers.Count);
                    return new TaskCompletionSource().Task;
                }

                DateTime firesAt = FiresAt?.Invoke(Now, fireAt) ?? fireAt;
                if (firesAt > Now)
                {
                    Now = firesAt;
                }

                OnTimer?.Invoke(Timers.Count);
                return Task.CompletedTask;
            });
        Mock.Setup(c => c.WaitForExternalEvent<string?>(VideoOrchestrator.CancelEvent, It.IsAny<CancellationToken>())).Returns(cancel.Task);
        Mock.Setup(c => c.WaitForExternalEvent<System.Text.Json.JsonElement>(VideoOrchestrator.ProviderEvent, It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                if (providerEvent.Task.IsCompleted)
                {
                    providerEvent = new TaskCompletionSource<System.Text.Json.JsonElement>();
                }

                return providerEvent.Task;
            });
        Mock.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback((object? status) => Statuses.Add((JobCustomStatus)status!));
        Mock.Setup(c => c.ContinueAsNew(It.IsAny<object>(), It.IsAny<bool>())).Callback((object input, bool _) => ContinuedWith = (VideoJobInput)input);
        SetupActivity<CreateVideoResult>(ActivityNames.CreateVideo);
        SetupActivity<GetVideoResult>(ActivityNames.GetVideo);
        SetupActivity<StoreVideoResult>(ActivityNames.StoreVideo);
        SetupActivity<bool>(ActivityNames.DeleteVideo);

        // The brakes admit at once and free quietly unless a test queues other answers.
        SetupActivity(ActivityNames.AdmitJob, new Admission(true, 0, TimeSpan.Zero), hasFallback: true);
        SetupActivity<System.Text.Json.JsonElement>(ActivityNames.ReleaseJob, default, hasFallback: true);
        SetupActivity(ActivityNames.RefundJob, 0m, hasFallback: true);
        Mock.Setup(c => c.WaitForExternalEvent<string?>(VideoOrchestrator.SlotFreedEvent, It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                if (slotFreed.Task.IsCompleted)
                {
                    slotFreed = new TaskCompletionSource<string?>();
                }

                return slotFreed.Task;
            });
        Mock.Setup(c => c.SendEvent(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object>()))
            .Callback((string instanceId, string eventName, object payload) => SentEvents.Add((instanceId, eventName)));
    }

    TaskCompletionSource<string?> slotFreed = new();

    public List<(string InstanceId, string EventName)> SentEvents { get; } = [];

    public void RaiseSlotFreed() => slotFreed.TrySetResult("other-job");

    public Mock<TaskOrchestrationContext> Mock { get; } = new() { CallBase = true };

    public DateTime Now { get; set; }

    public List<DateTime> Timers { get; } = [];

    public List<JobCustomStatus> Statuses { get; } = [];

    public List<(string Name, object? Input)> Calls { get; } = [];

    public VideoJobInput? ContinuedWith { get; private set; }

    /// <summary>
    /// When the clock moves to for a timer asked at (now, fireAt); by default fireAt. A test can make timers fire
    /// early, as the Azure Storage backend's whole-second queue delays do.
    /// </summary>
    public Func<DateTime, DateTime, DateTime>? FiresAt { get; set; }

    /// <summary>The clock at each call of an activity, in call order.</summary>
    public List<(string Name, DateTime At)> CallTimes { get; } = [];

    /// <summary>Called after each timer with the number of timers so far.</summary>
    public Action<int>? OnTimer { get; set; }

    /// <summary>When set, timers never fire (the clock stands still): only events move the orchestration on.</summary>
    public bool HoldTimers { get; set; }

    public void RequestCancel() => cancel.TrySetResult("canceled by request");

    /// <summary>A webhook's event: its type only.</summary>
    public void RaiseProviderEvent(string type) => providerEvent.TrySetResult(System.Text.Json.JsonSerializer.SerializeToElement(type));

    /// <summary>The status sweep's event: the ended video as the provider's list showed it (as the engine serializes it).</summary>
    public void RaiseProviderEvent(ProviderVideo video) => providerEvent.TrySetResult(System.Text.Json.JsonSerializer.SerializeToElement(video));

    /// <summary>A webhook's or the sweep's event after the video was stored where its end was noticed (as the engine serializes it).</summary>
    public void RaiseProviderEvent(NoticedVideo noticed) => providerEvent.TrySetResult(System.Text.Json.JsonSerializer.SerializeToElement(noticed));

    /// <summary>Queues the next answer of an activity (answers are used in order; the last one repeats).</summary>
    public FakeOrchestrationContext Answer(string activity, Func<object?, object> answer)
    {
        if (!answers.TryGetValue(activity, out Queue<Func<object?, object>>? queue))
        {
            answers[activity] = queue = new Queue<Func<object?, object>>();
        }

        queue.Enqueue(answer);
        return this;
    }

    public FakeOrchestrationContext Answer(string activity, object answer) => Answer(activity, _ => answer);

    public IEnumerable<T> InputsOf<T>(string activity) => Calls.Where(c => c.Name == activity).Select(c => (T)c.Input!);

    public int CountOf(string activity) => Calls.Count(c => c.Name == activity);

    void SetupActivity<T>(string name, T? fallback = default, bool hasFallback = false)
    {
        Mock.Setup(c => c.CallActivityAsync<T>(It.Is<TaskName>(n => n.Name == name), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName _, object? input, TaskOptions? _) =>
            {
                Calls.Add((name, input));
                CallTimes.Add((name, Now));
                if (!answers.TryGetValue(name, out Queue<Func<object?, object>>? queue) || queue.Count == 0)
                {
                    return hasFallback ? Task.FromResult(fallback!) : throw new InvalidOperationException($"No answer queued for {name}.");
                }

                Func<object?, object> answer = queue.Count > 1 ? queue.Dequeue() : queue.Peek();
                return Task.FromResult((T)answer(input));
            });
    }
}
