using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using SoraEmulator;
using SoraFunctions.Benchmarks;
using SoraFunctions.LocalHost.Hosting;
using SoraFunctions.LocalHost.Tooling;

// Figures for the pipeline's speed and memory goals, on the real engine (the local host: the Durable Task sidecar
// over the Azure Storage provider on Azurite) with the emulator as the provider:
//   1. status checks per video and how late each job notices that the provider finished, for several render times;
//   2. peak memory while one job streams a large video into Blob Storage;
//   3. a burst of jobs under the cluster-wide cap: time to drain, peak in flight at the provider, provider 429s;
//   4. crowds of jobs at once with no limit, polling, with provider webhooks and with the status sweep: a per-stage table of percentiles
//      (submit, orchestration start, create, timers, status checks, noticing, store) and the scale goals' figures.
// Usage: dotnet run -c Release --project tests/SoraFunctions.Benchmarks [-- --sections polling,store,burst,crowd
//        --renders 10,30,60 --video-mib 1024 --burst 200 --cap 10 --burst-render 5
//        --crowd 1,200,1000 --crowd-render 20 --crowd-modes polling,webhooks,sweep --sweep-seconds 1 --host-args "--DurableTask:X=Y ..."
//        --count-requests (storage requests per job by kind; costs CPU) --crowd-azurite disk|memory --azurite-per-service
//        --warmup 50 (jobs run through each fresh host before the crowd, so that it is measured warm, as a deployed host is)
//        --azurite-cpu-profile DIR (Node CPU profiles of each run's Azurite processes, and where their CPU went)]
string[] sections = Arg("--sections", "polling,store,burst").Split(',', StringSplitOptions.RemoveEmptyEntries);
int[] crowds = [.. Arg("--crowd", "1,200,1000").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
string crowdRender = Arg("--crowd-render", "20");
string[] crowdModes = Arg("--crowd-modes", "polling,webhooks").Split(',', StringSplitOptions.RemoveEmptyEntries);
string[] extraHostArgs = Arg("--host-args", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
string sweepSeconds = Arg("--sweep-seconds", "1");
string[] renders = Arg("--renders", "10,30,60").Split(',', StringSplitOptions.RemoveEmptyEntries);
long videoMiB = long.Parse(Arg("--video-mib", "1024"), CultureInfo.InvariantCulture);
int burst = int.Parse(Arg("--burst", "200"), CultureInfo.InvariantCulture);
int cap = int.Parse(Arg("--cap", "10"), CultureInfo.InvariantCulture);
string burstRender = Arg("--burst-render", "5");

string data = Directory.CreateTempSubdirectory("sora-bench-").FullName;
await using AzuriteInstance azurite = await AzuriteLauncher.StartAsync(new AzuriteLaunchOptions { DataFolder = data });
await using RunningEmulator emulator = await RunningEmulator.StartAsync(new EmulatorOptions { RenderSeconds = 20 });
if (sections.Contains("crowd"))
{
    using var metrics = new PipelineMetrics();
    var crowd = new CrowdBenchmark(emulator, metrics, args.Contains("--count-requests"), Arg("--crowd-azurite", "disk") == "memory", args.Contains("--azurite-per-service"))
    {
        WarmupJobs = int.Parse(Arg("--warmup", "0"), CultureInfo.InvariantCulture),
        ProfileFolder = args.Contains("--azurite-cpu-profile") ? Arg("--azurite-cpu-profile", "") : null,
    };
    foreach (string mode in crowdModes)
    {
        foreach (int size in crowds)
        {
            string[] modeArgs = mode == "sweep" ? [$"--Pipeline:SweepSeconds={sweepSeconds}", .. extraHostArgs] : extraHostArgs;
            await crowd.RunAsync(size, crowdRender, mode == "webhooks", modeArgs);
        }
    }
}

if (!sections.Any(s => s is "polling" or "store" or "burst"))
{
    return 0;
}

int port = FreePort();
string[] hostArgs =
[
    "--urls", $"http://127.0.0.1:{port}",
    $"--Sora:BaseUrl={emulator.ApiBaseUrl.AbsoluteUri}",
    $"--AzureWebJobsStorage={azurite.ConnectionString}",
    "--Logging:LogLevel:Default=Warning",
    $"--Limits:MaxRunningJobs={cap}",
    "--Limits:CreatesPerMinute=0",
    $"--Limits:TableName=bench{Guid.NewGuid():N}"[..26],
    .. extraHostArgs,
];
await using LocalHostApp host = await LocalHostApp.CreateAsync(hostArgs, LocalHostMode.Serve, CancellationToken.None);
await host.App.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(5) };

if (sections.Contains("polling"))
{
Console.WriteLine($"Polling (Pipeline min/max poll {Setting("Pipeline:MinPollSeconds", "2")}/{Setting("Pipeline:MaxPollSeconds", "30")} s, host.json maxQueuePollingInterval 1 s)");
Console.WriteLine("render s | status checks | fixed 2 s would be | noticed after provider finished | job done after provider finished");
string[] ids = await Task.WhenAll(renders.Select(r => SubmitAsync($"[[render={r}]] benchmark {Guid.NewGuid():N}")));
JsonObject[] jobs = await Task.WhenAll(ids.Select(id => WaitAsync(id, TimeSpan.FromMinutes(10))));
for (int i = 0; i < jobs.Length; i++)
{
    string videoId = (string)jobs[i]["providerVideoId"]!;
    DateTimeOffset finished = emulator.Stats.CompletedAtOf(videoId)!.Value;
    TimeSpan noticed = emulator.Stats.SeenCompletedAtOf(videoId)!.Value - finished;
    TimeSpan done = DateTimeOffset.Parse((string)jobs[i]["lastUpdatedAt"]!, CultureInfo.InvariantCulture) - finished;
    Console.WriteLine($"{renders[i],8} | {emulator.Stats.RetrievesOf(videoId),13} | {Math.Ceiling(double.Parse(renders[i], CultureInfo.InvariantCulture) / 2),18} | {noticed.TotalSeconds,28:F2} s | {done.TotalSeconds,28:F2} s");
}
}

if (sections.Contains("store"))
{
Console.WriteLine();
Console.WriteLine($"Storing a {videoMiB} MiB video (streamed from the emulator into Azurite)");
long bytes = videoMiB * 1024 * 1024;
GC.Collect();
long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
long peakHeap = 0;
long peakWorkingSet = 0;
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!sampling.IsCancellationRequested)
    {
        peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
        peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
        await Task.Delay(50);
    }
});
var clock = Stopwatch.StartNew();
string bigId = await SubmitAsync($"[[render=1]][[bytes={bytes}]] benchmark {Guid.NewGuid():N}");
JsonObject big = await WaitAsync(bigId, TimeSpan.FromMinutes(30));
clock.Stop();
await sampling.CancelAsync();
await sampler;
Console.WriteLine($"status {(string)big["status"]!}, {(long)big["bytes"]! / 1048576.0:F0} MiB in {clock.Elapsed.TotalSeconds:F1} s ({(long)big["bytes"]! / 1048576.0 / clock.Elapsed.TotalSeconds:F0} MiB/s end to end)");
Console.WriteLine($"managed heap: {heapBefore / 1048576.0:F0} MiB before, {peakHeap / 1048576.0:F0} MiB at peak; process working set at peak {peakWorkingSet / 1048576.0:F0} MiB (host, engine and emulator together)");
}

if (sections.Contains("burst"))
{
    // The emulator refuses creates over the cap with 429, as a provider's concurrency limit would: a cap that holds
    // never meets one.
    using (HttpResponseMessage reset = await http.PostAsync(new Uri(emulator.ApiBaseUrl, "/_emulator/reset"), null))
    {
        reset.EnsureSuccessStatusCode();
    }

    emulator.Options.MaxInFlight = cap;
    Console.WriteLine();
    Console.WriteLine($"A burst of {burst} jobs ({burstRender} s renders) under Limits__MaxRunningJobs={cap}, the provider refusing more than {cap} in flight");
    var burstClock = Stopwatch.StartNew();
    string[] burstIds = await Task.WhenAll(Enumerable.Range(0, burst).Select(i => SubmitAsync($"[[render={burstRender}]] burst {i} {Guid.NewGuid():N}")));
    TimeSpan submitted = burstClock.Elapsed;
    JsonObject[] burstJobs = await Task.WhenAll(burstIds.Select(id => WaitAsync(id, TimeSpan.FromMinutes(60))));
    TimeSpan drained = burstClock.Elapsed;
    int completed = burstJobs.Count(j => (string)j["status"]! == "completed");
    double ideal = Math.Ceiling(burst / (double)cap) * double.Parse(burstRender, CultureInfo.InvariantCulture);
    Console.WriteLine($"all {burst} answered in {submitted.TotalSeconds:F1} s; drained in {drained.TotalSeconds:F1} s ({ideal:F0} s if every slot rendered back to back); {completed} completed");
    Console.WriteLine($"peak in flight at the provider: {emulator.Stats.MaxInFlight}; provider 429s: {emulator.Stats.ConcurrencyRefusals}; provider creates: {emulator.Stats.Creates}");
}

await host.App.StopAsync();
return 0;

async Task<string> SubmitAsync(string prompt)
{
    using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("api/videos", UriKind.Relative), new { prompt });
    response.EnsureSuccessStatusCode();
    return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
}

async Task<JsonObject> WaitAsync(string id, TimeSpan limit)
{
    DateTime deadline = DateTime.UtcNow + limit;
    while (true)
    {
        JsonObject job = (await http.GetFromJsonAsync<JsonObject>(new Uri($"api/videos/{id}", UriKind.Relative)))!;
        if ((string)job["status"]! is "completed" or "failed" or "canceled")
        {
            return job;
        }

        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"job {id} did not finish within {limit}");
        }

        await Task.Delay(250);
    }
}

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

string Setting(string key, string fallback) => host.App.Configuration[key] ?? fallback;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
