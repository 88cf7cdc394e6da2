using System.Net;
using System.Net.Sockets;
using SoraFunctions.EndToEnd.Tests.Support;
using SoraFunctions.LocalHost.Cli;

namespace SoraFunctions.EndToEnd.Tests.LocalHost;

/// <summary>How the built local host ends when it cannot or must not finish starting: exit code and message.</summary>
[Collection(EndToEndGroup.Name)]
public class LocalHostExitTests(EndToEndFixture fixture)
{
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Start_InvalidEngineSetting_StopsBeforeStartingAnythingAndNamesTheKey()
    {
        await using var host = LocalHostRun.Start(["--DurableTask:PartitionCount=0"], fixture.HostEnvironment("e2einvalidengine"));

        int exitCode = await host.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == ExitCodes.StartupFailed, $"exit code {exitCode}:{Environment.NewLine}{host.Output}");
        Assert.Contains("DurableTask:PartitionCount", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidPipelineSetting_StopsAfterTheEngineStartedAndNamesTheKey()
    {
        // Checked when the app starts, after the engine is up but before any worker has connected to it.
        await using var host = LocalHostRun.Start(
            ["serve", "--urls", "http://127.0.0.1:0", "--Pipeline:JobTimeoutMinutes=0"], fixture.HostEnvironment("e2einvalidpipeline"));

        int exitCode = await host.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == ExitCodes.StartupFailed, $"exit code {exitCode}:{Environment.NewLine}{host.Output}");
        Assert.Contains("The local host could not start", host.Output, StringComparison.Ordinal);
        Assert.Contains("JobTimeoutMinutes", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SigtermWhileTheEngineStarts_StopsCleanlyAsInterrupted()
    {
        // Storage that accepts connections and never answers keeps the engine creating its task hub.
        using TcpListener silentStorage = new(IPAddress.Loopback, 0);
        silentStorage.Start();
        int port = ((IPEndPoint)silentStorage.LocalEndpoint).Port;
        Dictionary<string, string> environment = fixture.HostEnvironment("e2esigterm");
        environment["AzureWebJobsStorage"] =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        await using var host = LocalHostRun.Start(["--urls", "http://127.0.0.1:0"], environment);
        await host.WaitForOutputAsync("Storage: using the configured", ExitTimeout);

        await host.TerminateAsync();
        int exitCode = await host.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == ExitCodes.Interrupted, $"exit code {exitCode}:{Environment.NewLine}{host.Output}");
        Assert.Contains("Start-up canceled.", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", host.Output, StringComparison.Ordinal);
    }
}
