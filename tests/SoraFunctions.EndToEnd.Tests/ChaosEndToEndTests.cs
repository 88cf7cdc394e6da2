using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using SoraFunctions.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace SoraFunctions.EndToEnd.Tests;

/// <summary>
/// Thirty jobs with provider faults mixed by a fixed seed, and the local host killed and started again while they
/// run. Every job must end as its fault says, with one provider video, and exactly one whole blob when completed.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class ChaosEndToEndTests(EndToEndFixture fixture, ITestOutputHelper output)
{
    const int Seed = 11;
    const int JobCount = 30;

    /// <summary>
    /// A job still unfinished this long after it was admitted fails with <c>timeout</c>: it ends the stalled jobs, and
    /// leaves the slowest recoverable job (429 back-offs of every create, the restart) about twice the time it needs.
    /// </summary>
    const double JobTimeoutMinutes = 1.5;

    static readonly string[] ProviderFailureCodes = ["moderation_blocked", "video_generation_failed"];

    enum Fault
    {
        None,
        ThrottledCreates,
        CreateServerErrors,
        LostCreate,
        StatusServerErrors,
        CutDownloads,
        ContentLagging,
        ProviderFailure,
        SlowCreate,
        NeverFinishes,
    }

    /// <summary>One job of the run and what it must come to.</summary>
    sealed record ChaosJob(int Number, Fault Fault, string Prompt, long Bytes, int CreateRequests, string? FailureCode)
    {
        public string Id { get; set; } = string.Empty;

        public string Expected => FailureCode is null ? "completed" : $"failed ({FailureCode})";
    }

    [Fact]
    public async Task ThirtyJobsWithMixedProviderFaults_HostKilledAndRestartedMidRun_EveryJobEndsAsItsFaultSays()
    {
        var elapsed = Stopwatch.StartNew();
        string run = Guid.NewGuid().ToString("N")[..8];
        List<ChaosJob> jobs = Plan(run);
        Dictionary<string, string> environment = fixture.HostEnvironment("e2echaos");
        environment["Pipeline__JobTimeoutMinutes"] = JobTimeoutMinutes.ToString(CultureInfo.InvariantCulture);
        // No brakes: thirty jobs start at once (the limits have their own tests), on a limits table of this run.
        environment["Limits__MaxRunningJobs"] = "0";
        environment["Limits__CreatesPerMinute"] = "0";
        environment["Limits__TableName"] = $"chaos{run}";
        // The create activity cut off mid-call and run again after the restart is what this test is about: without
        // limits the submission would send the creates itself (Pipeline:CreateOnSubmit).
        environment["Pipeline__CreateOnSubmit"] = "false";

        int unfinishedAtKill;
        int creatingAtKill;
        await using (LocalHostProcess first = await LocalHostProcess.StartAsync(environment, fixture.Http))
        {
            VideoApiDriver api = new(fixture.Http, first.BaseAddress);
            output.WriteLine($"Host up {elapsed.Elapsed.TotalSeconds:F1} s into the run.");
            foreach (ChaosJob job in jobs)
            {
                job.Id = (string)(await api.SubmitAcceptedAsync(job.Prompt))["id"]!;
            }

            output.WriteLine($"All {JobCount} jobs accepted {elapsed.Elapsed.TotalSeconds:F1} s into the run.");

            // Kill while creates are in flight: the slow creates' videos exist at the provider and their answers are
            // held back, so the engine runs those create activities again after the restart, with no lookup time of the
            // orchestrator's; every other job is wherever it is (creating, waiting out a 429, rendering, storing).
            List<JsonObject> atKill = await Poll.UntilAsync(
                async ct =>
                {
                    bool slowCreatesMade = jobs.Where(job => job.Fault == Fault.SlowCreate).All(job => fixture.Emulator.Stats.VideosWithPrompt(job.Prompt) == 1);
                    return slowCreatesMade ? await ReadAllAsync(api, jobs, ct) : null;
                },
                TimeSpan.FromSeconds(60),
                "the slow creates' provider videos to exist");
            unfinishedAtKill = atKill.Count(job => !IsFinished(job));
            creatingAtKill = atKill.Count(job => !IsFinished(job) && job["providerVideoId"] is null);
            Assert.All(jobs.Where(job => job.Fault == Fault.SlowCreate), job => Assert.Null(atKill[job.Number]["providerVideoId"]));
            await first.KillAsync();
        }

        output.WriteLine($"Killed the host {elapsed.Elapsed.TotalSeconds:F1} s into the run with {unfinishedAtKill} of {JobCount} jobs unfinished, {creatingAtKill} of them without their provider video yet.");
        Assert.True(unfinishedAtKill > jobs.Count(job => job.Fault == Fault.NeverFinishes), "the restart must land while jobs that can finish are still running");

        await using LocalHostProcess second = await LocalHostProcess.StartAsync(environment, fixture.Http);
        VideoApiDriver restarted = new(fixture.Http, second.BaseAddress);
        // A status read is given up after the client's 30 s and asked again: on a loaded CI machine one read in the
        // recovering host once took longer than that, and how long a read takes is not what this test is about.
        int abandonedReads = 0;
        List<JsonObject>? last = null;
        List<JsonObject> finished;
        try
        {
            finished = await Poll.UntilAsync(
                async ct =>
                {
                    try
                    {
                        last = await ReadAllAsync(restarted, jobs, ct);
                        return last.All(IsFinished) ? last : null;
                    }
                    catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                    {
                        abandonedReads++;
                        return null;
                    }
                },
                // Alone on this machine the restarted host ends every job within about 80 s; while CI runs the other
                // suites on the same two cores it has needed more than 150 s.
                TimeSpan.FromSeconds(300),
                "every job to finish");
        }
        catch (TimeoutException ex)
        {
            // What the unfinished jobs last said and what the restarted host logged explain a run that never ended.
            string unfinished = last is null ? "no complete read" : string.Join(Environment.NewLine, last.Where(job => !IsFinished(job)).Select(VideoApiDriver.Describe));
            throw new TimeoutException($"{ex.Message} ({abandonedReads} reads given up){Environment.NewLine}{unfinished}{Environment.NewLine}{second.RecentOutput}", ex);
        }
        output.WriteLine($"Status reads given up after 30 s while the restarted host recovered: {abandonedReads}.");

        BlobInventory blobs = await BlobInventory.ReadAsync(fixture.Videos);
        List<BlobItem> ours = [.. jobs.SelectMany(job => blobs.Of(job.Id))];
        IReadOnlyList<string> partial = await BlobInventory.WithUncommittedBlocksAsync(fixture.Videos, ours);
        output.WriteLine(Tally(jobs, finished, ours));
        output.WriteLine($"The run took {elapsed.Elapsed.TotalSeconds:F1} s (seed {Seed}).");

        List<string> broken = [];
        for (int i = 0; i < jobs.Count; i++)
        {
            Check(jobs[i], finished[i], blobs.Of(jobs[i].Id), broken);
        }

        broken.AddRange(partial.Select(name => $"{name}: staged blocks no commit took (a partial blob)"));
        Assert.True(broken.Count == 0, $"{broken.Count} broken invariants:{Environment.NewLine}{string.Join(Environment.NewLine, broken)}{Environment.NewLine}{second.RecentOutput}");
    }

    /// <summary>The run's jobs: every fault at least twice (never-finishing exactly twice), the rest drawn by the seed.</summary>
    static List<ChaosJob> Plan(string run)
    {
        Random random = new(Seed);
        Fault[] recoverable = [.. Enum.GetValues<Fault>().Where(f => f is not Fault.NeverFinishes)];
        List<Fault> faults = [Fault.NeverFinishes, Fault.NeverFinishes, .. recoverable, .. recoverable];
        while (faults.Count < JobCount)
        {
            faults.Add(recoverable[random.Next(recoverable.Length)]);
        }

        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(faults));
        List<ChaosJob> jobs = [];
        int providerFailures = 0;
        for (int number = 0; number < JobCount; number++)
        {
            Fault fault = faults[number];
            int render = random.Next(3, 16);
            long bytes = random.Next(100_000, 2_000_000);
            int createRequests = 1;
            string? failureCode = null;
            string directives;
            switch (fault)
            {
                case Fault.ThrottledCreates:
                    int throttled = random.Next(1, 3);
                    createRequests += throttled;
                    directives = $"[[create429={throttled}]] [[retryafter=1]]";
                    break;
                case Fault.CreateServerErrors:
                    (int unavailable, int serverErrors) = (random.Next(1, 3), random.Next(0, 2));
                    createRequests += unavailable + serverErrors;
                    directives = $"[[create503={unavailable}]] [[create500={serverErrors}]]";
                    break;
                case Fault.LostCreate:
                    // The create makes the video and answers 500; the next attempt finds it rather than paying again.
                    directives = "[[createlost=1]]";
                    break;
                case Fault.StatusServerErrors:
                    directives = $"[[get429={random.Next(1, 3)}]] [[get503={random.Next(1, 3)}]] [[get500={random.Next(1, 3)}]]";
                    break;
                case Fault.CutDownloads:
                    directives = $"[[reset={random.Next(0, 2)}]] [[truncate={random.Next(1, 3)}]]";
                    break;
                case Fault.ContentLagging:
                    directives = $"[[content404={random.Next(1, 4)}]]";
                    break;
                case Fault.SlowCreate:
                    // The video is made at once, its id answered only after 20 s: the kill lands inside this create.
                    directives = "[[createdelay=20]]";
                    break;
                case Fault.ProviderFailure:
                    failureCode = ProviderFailureCodes[providerFailures++ % ProviderFailureCodes.Length];
                    directives = $"[[fail={failureCode}]]";
                    break;
                case Fault.NeverFinishes:
                    failureCode = "timeout";
                    directives = "[[stall]]";
                    break;
                default:
                    directives = string.Empty;
                    break;
            }

            string prompt = string.Create(CultureInfo.InvariantCulture, $"chaos {run} job {number:00} {fault} [[render={render}]] [[bytes={bytes}]] {directives}").TrimEnd();
            jobs.Add(new ChaosJob(number, fault, prompt, bytes, createRequests, failureCode));
        }

        return jobs;
    }

    /// <summary>Every invariant of one job; each broken one is added to <paramref name="broken"/>.</summary>
    void Check(ChaosJob job, JsonObject done, IReadOnlyList<BlobItem> blobs, List<string> broken)
    {
        string who = $"job {job.Number:00} {job.Id} ({job.Fault}, expected {job.Expected})";
        string status = VideoApiDriver.Status(done);
        string? code = (string?)done["error"]?["code"];
        if (job.FailureCode is null ? status != "completed" : status != "failed" || code != job.FailureCode)
        {
            broken.Add($"{who}: ended {VideoApiDriver.Describe(done)}");
        }

        int videos = fixture.Emulator.Stats.VideosWithPrompt(job.Prompt);
        if (videos != 1)
        {
            broken.Add($"{who}: {videos} provider videos");
        }

        int creates = fixture.Emulator.Stats.CreatesWithPrompt(job.Prompt);
        if (creates != job.CreateRequests)
        {
            broken.Add($"{who}: {creates} create requests, expected {job.CreateRequests} (one per injected create fault, plus the one that made the video)");
        }

        if (status == "completed")
        {
            if (blobs.Count != 1)
            {
                broken.Add($"{who}: {blobs.Count} blobs ({string.Join(", ", blobs.Select(b => b.Name))})");
                return;
            }

            BlobItem only = blobs[0];
            if (only.Name != (string?)done["blob"]?["name"] || only.Properties.ContentLength != job.Bytes || (long?)done["bytes"] != job.Bytes)
            {
                broken.Add($"{who}: blob {only.Name} of {only.Properties.ContentLength} bytes; the job says {done["blob"]?["name"]} of {done["bytes"]}, the provider made {job.Bytes}");
            }
        }
        else if (blobs.Count != 0)
        {
            broken.Add($"{who}: {status} but left {blobs.Count} blobs ({string.Join(", ", blobs.Select(b => b.Name))})");
        }
    }

    string Tally(List<ChaosJob> jobs, List<JsonObject> finished, List<BlobItem> blobs)
    {
        StringBuilder tally = new();
        tally.AppendLine(CultureInfo.InvariantCulture, $"Chaos run, {jobs.Count} jobs, seed {Seed}, one host restart:");
        foreach (IGrouping<string, JsonObject> group in finished.GroupBy(Outcome).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            tally.AppendLine(CultureInfo.InvariantCulture, $"  {group.Key,-34} {group.Count(),3}");
        }

        tally.AppendLine(CultureInfo.InvariantCulture, $"  {"provider videos created",-34} {jobs.Sum(job => fixture.Emulator.Stats.VideosWithPrompt(job.Prompt)),3}");
        tally.AppendLine(CultureInfo.InvariantCulture, $"  {"provider create requests",-34} {jobs.Sum(job => fixture.Emulator.Stats.CreatesWithPrompt(job.Prompt)),3}");
        tally.AppendLine(CultureInfo.InvariantCulture, $"  {"blobs",-34} {blobs.Count,3}");
        TimeSpan slowest = finished.Where(job => VideoApiDriver.Status(job) == "completed")
            .Select(job => new DateTimeOffset(DateTime.SpecifyKind((DateTime)job["completedAt"]!, DateTimeKind.Utc)) - (DateTimeOffset)job["createdAt"]!)
            .DefaultIfEmpty()
            .Max();
        tally.AppendLine(CultureInfo.InvariantCulture, $"  slowest completed job: {slowest.TotalSeconds:F1} s from submit (the job timeout is {JobTimeoutMinutes * 60:0} s)");
        tally.AppendLine("  by fault:");
        for (int i = 0; i < jobs.Count; i++)
        {
            tally.AppendLine(CultureInfo.InvariantCulture, $"    {jobs[i].Number:00} {jobs[i].Fault,-20} {Outcome(finished[i]),-32} {(int?)finished[i]["checks"]} checks");
        }

        return tally.ToString();

        static string Outcome(JsonObject job) =>
            VideoApiDriver.Status(job) == "failed" ? $"failed: {(string?)job["error"]?["code"]}" : VideoApiDriver.Status(job);
    }

    static bool IsFinished(JsonObject job) => VideoApiDriver.Status(job) is "completed" or "failed" or "canceled";

    static async Task<List<JsonObject>> ReadAllAsync(VideoApiDriver api, List<ChaosJob> jobs, CancellationToken cancellationToken)
    {
        List<JsonObject> all = [];
        foreach (ChaosJob job in jobs)
        {
            all.Add(await api.GetJobAsync(job.Id, cancellationToken));
        }

        return all;
    }
}
