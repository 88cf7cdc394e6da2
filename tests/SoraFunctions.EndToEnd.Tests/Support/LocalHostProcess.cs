using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SoraFunctions.EndToEnd.Tests.Support;

/// <summary>The local host started as a real process (<c>dotnet SoraFunctions.LocalHost.dll --urls ...</c>).</summary>
sealed class LocalHostProcess : IAsyncDisposable
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    readonly Process process;
    readonly ConcurrentQueue<string> output = new();

    LocalHostProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    /// <summary><c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, output.TakeLast(80));

    /// <summary>What the host said while starting (kept whole, whatever it logs later).</summary>
    public IReadOnlyList<string> StartupOutput { get; private set; } = [];

    /// <summary>Starts the host with <paramref name="environment"/> on a free port and waits until its API answers.</summary>
    public static async Task<LocalHostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, HttpClient http)
    {
        int port = FreePort();
        Uri baseAddress = new($"http://127.0.0.1:{port}/");
        ProcessStartInfo start = new("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(LocalHostDll())!,
        };
        start.ArgumentList.Add(LocalHostDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.AbsoluteUri.TrimEnd('/'));
        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        LocalHostProcess host = new(process, baseAddress);
        process.OutputDataReceived += (_, e) => host.Record(e.Data);
        process.ErrorDataReceived += (_, e) => host.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await Poll.UntilAsync(
                async ct =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"The local host exited with {process.ExitCode}:{Environment.NewLine}{host.RecentOutput}");
                    }

                    try
                    {
                        using HttpResponseMessage response = await http.GetAsync(new Uri(baseAddress, "api/videos"), ct);
                        return response.StatusCode == HttpStatusCode.OK ? response.StatusCode.ToString() : null;
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                StartTimeout,
                "the local host to answer");
        }
        catch (TimeoutException ex)
        {
            string recent = host.RecentOutput;
            await host.DisposeAsync();
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}{recent}", ex);
        }

        host.StartupOutput = [.. host.output];
        return host;
    }

    /// <summary>Kills the process tree at once, as <c>kill -9</c> would.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }

    void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 400 && output.TryDequeue(out _))
        {
        }
    }

    static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The built local host next to the tests, or in its own project's output.</summary>
    internal static string LocalHostDll()
    {
        const string Name = "SoraFunctions.LocalHost";
        string here = Path.Combine(AppContext.BaseDirectory, Name + ".dll");
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, Name + ".runtimeconfig.json")) && File.Exists(here))
        {
            return here;
        }

        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        string built = SoraFunctions.Testing.RepoPaths.Combine("src", Name, "bin", configuration, "net10.0", Name + ".dll");
        return File.Exists(built) ? built : throw new FileNotFoundException("Build src/SoraFunctions.LocalHost first.", built);
    }
}
