using System.Diagnostics;
using System.Net.Sockets;

namespace SoraEmulator.Tests;

/// <summary>The "done means" check: the built emulator started alone as a separate process.</summary>
public sealed class StandaloneProcessTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task StandaloneProcess_MultipartCreate_QueuedThenCompletedWithMp4()
    {
        int port = FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        using Process process = StartEmulator(port);
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await WaitUntilAsync(async () => await IsHealthyAsync(client), process);

            using var form = new MultipartFormDataContent { { new StringContent("Standalone run"), "prompt" } };
            using HttpResponseMessage created = await client.PostAsync(new Uri("v1/videos", UriKind.Relative), form);
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            using var createdJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            Assert.Equal("queued", createdJson.RootElement.GetProperty("status").GetString());
            string? id = createdJson.RootElement.GetProperty("id").GetString();

            await WaitUntilAsync(async () =>
            {
                using var video = JsonDocument.Parse(await client.GetStringAsync(new Uri($"v1/videos/{id}", UriKind.Relative)));
                return video.RootElement.GetProperty("status").GetString() == "completed";
            }, process);

            using HttpResponseMessage content = await client.GetAsync(new Uri($"v1/videos/{id}/content", UriKind.Relative));
            byte[] body = await content.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.OK, content.StatusCode);
            Assert.Equal("video/mp4", content.Content.Headers.ContentType?.MediaType);
            Assert.Equal("ftyp"u8.ToArray(), body[4..8]);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    static Process StartEmulator(int port)
    {
        string dll = EmulatorDll();
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (string? arg in new[]
                 {
                     dll, "--urls", $"http://127.0.0.1:{port}", "--Emulator:RenderSeconds=1", "--Emulator:QueuedFraction=0.2",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The emulator as built next to this test project (same configuration), else the copy in the test output.</summary>
    static string EmulatorDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name;
        string configuration = output.Parent!.Name;
        for (DirectoryInfo? dir = output; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "SoraEmulator", "bin", configuration, framework, "SoraEmulator.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string local = Path.Combine(output.FullName, "SoraEmulator.dll");
        Assert.True(File.Exists(Path.Combine(output.FullName, "SoraEmulator.runtimeconfig.json")), "built SoraEmulator.dll not found");
        return local;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static async Task<bool> IsHealthyAsync(HttpClient client)
    {
        try
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri("_emulator/health", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    static async Task WaitUntilAsync(Func<Task<bool>> condition, Process process)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!await condition())
        {
            Assert.False(process.HasExited, $"the emulator exited with code {(process.HasExited ? process.ExitCode : 0)}");
            Assert.True(stopwatch.Elapsed < Deadline, "deadline passed");
            await timer.WaitForNextTickAsync();
        }
    }
}
