using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SoraEmulator;
using SoraFunctions.LocalHost.Hosting;
using SoraFunctions.LocalHost.Tooling;

namespace SoraFunctions.Benchmarks;

/// <summary>
/// Many jobs submitted at once with no limit configured, on a fresh Azurite, local host and task hub (Azurite slows
/// down as it fills, so each run starts from empty storage): where the time goes,
/// stage by stage, and the issue's goal figures (all accepted, every job completed, creates reaching the provider,
/// noticing delay, status calls per job, memory and CPU).
/// </summary>
sealed class CrowdBenchmark(RunningEmulator emulator, PipelineMetrics metrics, bool countRequests, bool inMemoryStorage, bool processPerService)
{
    /// <summary>
    /// Jobs (2 s renders) run through each fresh host before the crowd is submitted and measured. A fresh process
    /// spends about half its CPU compiling code in its first minute (tiered JIT); a deployed host has long done that.
    /// </summary>
    public int WarmupJobs { get; init; }

    /// <summary>
    /// When set, each run's Azurite processes write a Node CPU profile into a folder under it, and the run ends with
    /// where each process spent its CPU (<see cref="CpuProfileSummary"/>). Needs Azurite on disk: Node writes the
    /// profile when the process stops on request, and an in-memory Azurite is killed.
    /// </summary>
    public string? ProfileFolder { get; init; }

    public async Task RunAsync(int jobs, string render, bool webhooks, IReadOnlyList<string> extraHostArgs)
    {
        string? data = inMemoryStorage ? null : Directory.CreateTempSubdirectory("sora-crowd-").FullName;
        string? profiles = ProfileFolder is null ? null : Path.Combine(Path.GetFullPath(ProfileFolder), string.Create(CultureInfo.InvariantCulture, $"{jobs}-{(webhooks ? "webhooks" : "polling")}-{DateTime.UtcNow:HHmmss}"));
        await using Storage azurite = await StartStorageAsync(data, profiles);
        using StorageRequestCounter? requests = countRequests ? new StorageRequestCounter(azurite.BlobPort, azurite.QueuePort, azurite.TablePort) : null;
        int port = FreePort();
        string? secret = webhooks ? "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) : null;
        List<string> hostArgs =
        [
            "--urls", $"http://127.0.0.1:{port}",
            $"--Sora:BaseUrl={emulator.ApiBaseUrl.AbsoluteUri}",
            $"--AzureWebJobsStorage={azurite.ConnectionString}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:SoraFunctions=Warning",
            "--Logging:LogLevel:Azure=Error",
            "--Limits:MaxRunningJobs=0",
            "--Limits:CreatesPerMinute=0",
            $"--Limits:TableName=crowd{Guid.NewGuid():N}"[..26],
            $"--DurableTask:HubName=crowd{Guid.NewGuid():N}"[..32],
        ];
        if (secret is not null)
        {
            hostArgs.Add($"--Sora:WebhookSecret={secret}");
        }

        hostArgs.AddRange(extraHostArgs);
        await using LocalHostApp host = await LocalHostApp.CreateAsync([.. hostArgs], LocalHostMode.Serve, CancellationToken.None);
        await host.App.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            Timeout = TimeSpan.FromMinutes(5),
        };

        emulator.Options.MaxInFlight = null;
        emulator.Options.WebhookUrl = webhooks ? new Uri($"http://127.0.0.1:{port}/api/webhooks/sora") : null;
        emulator.Options.WebhookSecret = secret;
        TimeSpan warmup = await WarmUpAsync(http);
        using (HttpResponseMessage reset = await http.PostAsync(new Uri(emulator.ApiBaseUrl, "/_emulator/reset"), null))
        {
            reset.EnsureSuccessStatusCode();
        }

        emulator.Options.MaxInFlight = null;
        emulator.Options.WebhookUrl = webhooks ? new Uri($"http://127.0.0.1:{port}/api/webhooks/sora") : null;
        emulator.Options.WebhookSecret = secret;
        metrics.Reset();
        requests?.Start();

        using var self = Process.GetCurrentProcess();
        Process[] storage = [.. azurite.ProcessIds.Select(Process.GetProcessById)];
        TimeSpan selfCpu = self.TotalProcessorTime;
        TimeSpan[] storageCpuBefore = [.. storage.Select(p => StorageCpu([p]))];
        TimeSpan storageCpu = StorageCpu(storage);
        long peakWorkingSet = 0;
        long peakStorageSet = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                peakStorageSet = Math.Max(peakStorageSet, storage.Sum(p =>
                {
                    p.Refresh();
                    return p.WorkingSet64;
                }));
                await Task.Delay(100);
            }
        });

        Console.WriteLine();
        Console.WriteLine($"{jobs} job(s) at once, {render} s renders, no limit, {(webhooks ? "provider webhooks on (polling is the safety net)" : extraHostArgs.Any(a => a.StartsWith("--Pipeline:SweepSeconds=", StringComparison.Ordinal)) ? "status sweep on (polling is the safety net)" : "polling only")}, Azurite {(inMemoryStorage ? "in memory" : "on disk")}{(processPerService ? " as one process per service" : "")}{(extraHostArgs.Count > 0 ? $", {string.Join(' ', extraHostArgs)}" : "")}{(WarmupJobs > 0 ? string.Create(CultureInfo.InvariantCulture, $", after a warm-up of {WarmupJobs} jobs ({warmup.TotalSeconds:F0} s)") : ", cold process")}");
        var clock = Stopwatch.StartNew();
        var submitted = new ConcurrentBag<Submitted>();
        await Task.WhenAll(Enumerable.Range(0, jobs).Select(async i =>
        {
            DateTimeOffset at = DateTimeOffset.UtcNow;
            long started = Stopwatch.GetTimestamp();
            using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("api/videos", UriKind.Relative), new { prompt = $"[[render={render}]] crowd {i} {Guid.NewGuid():N}" });
            response.EnsureSuccessStatusCode();
            string id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            submitted.Add(new Submitted(id, at, Stopwatch.GetElapsedTime(started)));
        }));
        TimeSpan allAccepted = clock.Elapsed;

        DateTime deadline = DateTime.UtcNow.AddMinutes(30);
        while (metrics.Ended < jobs)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {metrics.Ended} of {jobs} jobs ended within 30 minutes");
            }

            await Task.Delay(200);
        }

        // The job counters are recorded inside the orchestration's last step, before the engine commits it (and again
        // if that step is retried), so the statuses are read until each job's end is committed.
        var finished = new ConcurrentBag<(Submitted Job, JsonObject Status)>();
        await Parallel.ForEachAsync(submitted, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, ct) =>
        {
            while (true)
            {
                JsonObject status = (await http.GetFromJsonAsync<JsonObject>(new Uri($"api/videos/{job.Id}", UriKind.Relative), ct))!;
                if ((string)status["status"]! is "completed" or "failed" or "canceled" || DateTime.UtcNow > deadline)
                {
                    finished.Add((job, status));
                    return;
                }

                await Task.Delay(500, ct);
            }
        });
        TimeSpan allEnded = clock.Elapsed;
        IReadOnlyDictionary<string, int>? counted = requests?.Stop();
        await sampling.CancelAsync();
        await sampler;
        self.Refresh();
        double hostCpu = (self.TotalProcessorTime - selfCpu).TotalSeconds;
        double azuriteCpu = (StorageCpu(storage) - storageCpu).TotalSeconds;
        string perService = storage.Length == 3
            ? string.Create(CultureInfo.InvariantCulture, $" (blob {(StorageCpu([storage[0]]) - storageCpuBefore[0]).TotalSeconds:F0}, queue {(StorageCpu([storage[1]]) - storageCpuBefore[1]).TotalSeconds:F0}, table {(StorageCpu([storage[2]]) - storageCpuBefore[2]).TotalSeconds:F0})")
            : string.Empty;
        foreach (Process p in storage)
        {
            p.Dispose();
        }


        var createReached = new List<double>();
        var noticed = new List<double>();
        var lastEarlyCheck = new List<double>();
        int noticedLate = 0;
        int noticedLateAfterEarlyCheck = 0;
        var stored = new List<double>();
        var checks = new List<double>();
        int completed = 0;
        var notCompleted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((Submitted job, JsonObject status) in finished)
        {
            if ((string)status["status"]! != "completed")
            {
                string how = $"{status["status"]} {status["error"]?["code"]}: {status["error"]?["message"]}";
                notCompleted[how] = notCompleted.GetValueOrDefault(how) + 1;
                continue;
            }

            completed++;
            string video = (string)status["providerVideoId"]!;
            DateTimeOffset created = emulator.Stats.CreatedAtOf(video)!.Value;
            DateTimeOffset done = emulator.Stats.CompletedAtOf(video)!.Value;
            DateTimeOffset seen = emulator.Stats.SeenCompletedAtOf(video)!.Value;
            var last = DateTimeOffset.Parse((string)status["lastUpdatedAt"]!, CultureInfo.InvariantCulture);
            createReached.Add((created - job.At).TotalSeconds);
            noticed.Add((seen - done).TotalSeconds);
            DateTimeOffset? unfinished = emulator.Stats.LastSeenUnfinishedAtOf(video);
            if (unfinished is { } early)
            {
                lastEarlyCheck.Add((done - early).TotalSeconds);
            }

            // A job noticed late either asked just before the end (the estimate was early) or asked late.
            if (seen - done > TimeSpan.FromSeconds(1))
            {
                noticedLate++;
                noticedLateAfterEarlyCheck += unfinished is { } e && done - e < TimeSpan.FromSeconds(2) ? 1 : 0;
            }
            stored.Add((last - seen).TotalSeconds);
            checks.Add(emulator.Stats.RetrievesOf(video));
        }

        Console.WriteLine("stage                                        |     p50 |     p95 |     max");
        Row("submit -> 202 Accepted", [.. submitted.Select(s => s.Latency.TotalSeconds)]);
        Row("submit -> orchestration's first step", metrics.Of("sora.job.start_delay"));
        Row("submit -> create reaches the provider", createReached);
        Row("create activity round trip", metrics.Of("sora.activity.round_trip/CreateVideo"));
        Row("provider POST, sent -> answered (HttpClient)", metrics.Of(PipelineMetrics.HttpKey("POST", emulator.ApiBaseUrl.Port)));
        Row("timer due -> timer fired", metrics.Of("sora.timer.lateness"));
        Row("status activity round trip", metrics.Of("sora.activity.round_trip/GetVideo"));
        Row("provider GET, sent -> answered (HttpClient)", metrics.Of(PipelineMetrics.HttpKey("GET", emulator.ApiBaseUrl.Port)));
        Row("provider finished -> job noticed", noticed);
        Row("last check before the end -> provider finished", lastEarlyCheck);
        Row("store activity round trip", metrics.Of("sora.activity.round_trip/StoreVideo"));
        Row("job noticed -> job completed", stored);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all {jobs} accepted in {allAccepted.TotalSeconds:F1} s; {completed} completed, all ended after {allEnded.TotalSeconds:F1} s"));
        foreach ((string how, int count) in notCompleted)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"not completed: {count} x {how}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"noticed more than 1 s after the provider finished: {noticedLate} jobs, {noticedLateAfterEarlyCheck} of them after a check less than 2 s before the end"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"status calls per job: mean {(checks.Count > 0 ? checks.Average() : double.NaN):F1}, max {(checks.Count > 0 ? checks.Max() : double.NaN):F0}; provider creates {emulator.Stats.Creates}, lists {emulator.Stats.Lists}, webhooks sent {emulator.Stats.WebhooksSent}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak working set: local host (with the emulator and this client) {peakWorkingSet / 1048576.0:F0} MiB, Azurite {peakStorageSet / 1048576.0:F0} MiB; CPU seconds: host {hostCpu:F0}, Azurite {azuriteCpu:F0}{perService}"));

        if (counted is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"storage requests per job: {counted.Values.Sum() / (double)jobs:F1}, by kind:"));
            foreach ((string kind, int count) in counted.OrderByDescending(c => c.Value).Take(25))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count / (double)jobs,6:F2}  {kind}"));
            }
        }

        await host.App.StopAsync();
        if (profiles is not null)
        {
            await azurite.DisposeAsync();
            PrintProfiles(profiles, azurite.ProcessIds);
        }
    }

    /// <summary>Where each Azurite process of the run spent its CPU, from the profiles Node wrote as they stopped.</summary>
    void PrintProfiles(string folder, IReadOnlyList<int> processIds)
    {
        string[] services = processPerService ? ["blob", "queue", "table"] : ["(all services)"];
        for (int i = 0; i < processIds.Count; i++)
        {
            string? profile = Directory.Exists(folder) ? Directory.GetFiles(folder, $"*.{processIds[i]}.*.cpuprofile").FirstOrDefault() : null;
            if (profile is null)
            {
                Console.WriteLine($"Azurite {services[i]}: no CPU profile in {folder} (an in-memory Azurite is killed before Node writes it)");
                continue;
            }

            CpuProfileSummary.Print(services[i], profile);
        }
    }

    /// <summary>Runs <see cref="WarmupJobs"/> short jobs to their end, in the run's mode, before anything is measured.</summary>
    async Task<TimeSpan> WarmUpAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        string[] ids = await Task.WhenAll(Enumerable.Range(0, WarmupJobs).Select(async i =>
        {
            using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("api/videos", UriKind.Relative), new { prompt = $"[[render=2]] warm-up {i} {Guid.NewGuid():N}" });
            response.EnsureSuccessStatusCode();
            return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        }));
        DateTime deadline = DateTime.UtcNow.AddMinutes(5);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            while ((string)(await http.GetFromJsonAsync<JsonObject>(new Uri($"api/videos/{id}", UriKind.Relative), ct))!["status"]! is not ("completed" or "failed" or "canceled"))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"warm-up job {id} did not end within 5 minutes");
                }

                await Task.Delay(250, ct);
            }
        });
        return clock.Elapsed;
    }

    /// <summary>A fresh Azurite: one process, or one per service.</summary>
    async Task<Storage> StartStorageAsync(string? data, string? profiles)
    {
        var options = new AzuriteLaunchOptions
        {
            DataFolder = data,
            NodeArguments = profiles is null ? [] : ["--cpu-prof", $"--cpu-prof-dir={profiles}"],
        };
        if (processPerService)
        {
            AzuriteServices services = await AzuriteLauncher.StartPerServiceAsync(options);
            return new Storage(services.ConnectionString, services.ProcessIds, services.BlobPort, services.QueuePort, services.TablePort, services);
        }

        AzuriteInstance one = await AzuriteLauncher.StartAsync(options);
        return new Storage(one.ConnectionString, [one.ProcessId], one.BlobPort, one.QueuePort, one.TablePort, one);
    }

    static TimeSpan StorageCpu(Process[] processes) => processes.Aggregate(TimeSpan.Zero, (sum, p) =>
    {
        p.Refresh();
        return sum + p.TotalProcessorTime;
    });

    sealed record Storage(string ConnectionString, IReadOnlyList<int> ProcessIds, int BlobPort, int QueuePort, int TablePort, IAsyncDisposable Owner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owner.DisposeAsync();
    }

    static void Row(string stage, IReadOnlyList<double> seconds) =>
        Console.WriteLine(seconds.Count == 0
            ? $"{stage,-44} | {"-",7} | {"-",7} | {"-",7}   (none)"
            : string.Create(CultureInfo.InvariantCulture, $"{stage,-44} | {Percentiles.Of(seconds, 50),7:F2} | {Percentiles.Of(seconds, 95),7:F2} | {seconds.Max(),7:F2}"));

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    sealed record Submitted(string Id, DateTimeOffset At, TimeSpan Latency);
}
