using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using SoraFunctions.LocalHost.Tooling;

namespace SoraFunctions.Catalog.Tests;

/// <summary>The launcher the local host uses (persistent data, fixed ports) and the tests use (in memory, free ports).</summary>
public sealed class AzuriteLauncherTests : IDisposable
{
    readonly string scratch = Directory.CreateTempSubdirectory("sora-catalog-tests-").FullName;
    static string ToolsFolder => SoraFunctions.Testing.RepoPaths.Combine(".local", "tools");

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    [Fact]
    public async Task StartAsync_DataFolder_KeepsBlobsAcrossARestart()
    {
        string data = Path.Combine(scratch, "azurite");
        var options = new AzuriteLaunchOptions { DataFolder = data, ToolsFolder = ToolsFolder };

        AzuriteInstance first = await AzuriteLauncher.StartAsync(options);
        try
        {
            // Our own connections, closed before the stop: Azurite's clean shutdown waits for open ones.
            using var http = new HttpClient();
            var clientOptions = new BlobClientOptions { Transport = new HttpClientTransport(http) };
            BlobContainerClient container = new BlobServiceClient(first.ConnectionString, clientOptions).GetBlobContainerClient("videos");
            await container.CreateIfNotExistsAsync();
            await container.GetBlobClient("kept.txt").UploadAsync(BinaryData.FromString("still here"));
        }
        finally
        {
            var stopping = Stopwatch.StartNew();
            await first.DisposeAsync();

            // A clean stop (standard input closed) takes well under the 10 s after which the launcher kills.
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(8), $"stopping took {stopping.Elapsed}");
        }

        await using AzuriteInstance second = await AzuriteLauncher.StartAsync(options);
        BlobClient blob = new BlobServiceClient(second.ConnectionString).GetBlobContainerClient("videos").GetBlobClient("kept.txt");

        Assert.Equal("still here", (await blob.DownloadContentAsync()).Value.Content.ToString());
        Assert.True(Directory.EnumerateFileSystemEntries(data).Any(), "nothing was written to the data folder");
    }

    [Fact]
    public async Task StartPerServiceAsync_DataFolder_ServesEachServiceFromItsOwnProcessAndKeepsData()
    {
        string data = Path.Combine(scratch, "azurite-split");
        var options = new AzuriteLaunchOptions { DataFolder = data, ToolsFolder = ToolsFolder };
        IReadOnlyList<int> processes;
        int blobPort;

        await using (AzuriteServices first = await AzuriteLauncher.StartPerServiceAsync(options))
        {
            processes = first.ProcessIds;
            blobPort = first.BlobPort;
            using var http = new HttpClient();
            var clientOptions = new BlobClientOptions { Transport = new HttpClientTransport(http) };
            BlobContainerClient container = new BlobServiceClient(first.ConnectionString, clientOptions).GetBlobContainerClient("videos");
            await container.CreateIfNotExistsAsync();
            await container.GetBlobClient("kept.txt").UploadAsync(BinaryData.FromString("split"));
            var queue = new Azure.Storage.Queues.QueueClient(first.ConnectionString, "work", new Azure.Storage.Queues.QueueClientOptions { Transport = new HttpClientTransport(http) });
            await queue.CreateIfNotExistsAsync();
            await queue.SendMessageAsync("hello");
            var table = new Azure.Data.Tables.TableClient(first.ConnectionString, "rows", new Azure.Data.Tables.TableClientOptions { Transport = new HttpClientTransport(http) });
            await table.CreateIfNotExistsAsync();
            await table.AddEntityAsync(new Azure.Data.Tables.TableEntity("p", "r") { ["Value"] = 7 });

            Assert.Equal(3, processes.Distinct().Count());
            Assert.Equal(3, new[] { first.BlobPort, first.QueuePort, first.TablePort }.Distinct().Count());
        }

        Assert.All(processes, id => Assert.False(IsProcessAlive(id), $"Azurite process {id} is still running"));
        Assert.False(await AcceptsConnectionsAsync(blobPort), "the blob port still accepts connections");

        await using AzuriteServices second = await AzuriteLauncher.StartPerServiceAsync(options);
        Assert.Equal("split", (await new BlobServiceClient(second.ConnectionString).GetBlobContainerClient("videos").GetBlobClient("kept.txt").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("hello", (await new Azure.Storage.Queues.QueueClient(second.ConnectionString, "work").ReceiveMessageAsync()).Value.MessageText);
        Assert.Equal(7, (await new Azure.Data.Tables.TableClient(second.ConnectionString, "rows").GetEntityAsync<Azure.Data.Tables.TableEntity>("p", "r")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task DisposeAsync_RunningInstance_StopsTheProcessAndFreesThePorts()
    {
        AzuriteInstance instance = await AzuriteLauncher.StartAsync(new AzuriteLaunchOptions { ToolsFolder = ToolsFolder });
        int processId = instance.ProcessId;
        Assert.True(instance.IsRunning);
        Assert.Contains($"BlobEndpoint=http://127.0.0.1:{instance.BlobPort}/devstoreaccount1;", instance.ConnectionString, StringComparison.Ordinal);
        Assert.Contains($"QueueEndpoint=http://127.0.0.1:{instance.QueuePort}/devstoreaccount1;", instance.ConnectionString, StringComparison.Ordinal);
        Assert.Contains($"TableEndpoint=http://127.0.0.1:{instance.TablePort}/devstoreaccount1;", instance.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(3, new[] { instance.BlobPort, instance.QueuePort, instance.TablePort }.Distinct().Count());

        await instance.DisposeAsync();

        Assert.False(instance.IsRunning);
        Assert.False(IsProcessAlive(processId), "the Azurite process is still running");
        Assert.False(await AcceptsConnectionsAsync(instance.BlobPort), "the blob port still accepts connections");
    }


    [Fact]
    public async Task StartAsync_NodeArguments_ReachNodeBeforeAzurite()
    {
        // The benchmark's --azurite-cpu-profile: Node writes the profile when a persistent Azurite stops on request.
        string profiles = Path.Combine(scratch, "profiles");
        var options = new AzuriteLaunchOptions
        {
            DataFolder = Path.Combine(scratch, "azurite-profiled"),
            ToolsFolder = ToolsFolder,
            NodeArguments = ["--cpu-prof", $"--cpu-prof-dir={profiles}"],
        };

        AzuriteInstance instance = await AzuriteLauncher.StartAsync(options);
        int processId = instance.ProcessId;
        await instance.DisposeAsync();

        Assert.True(instance.StoppedGracefully, "Azurite did not stop on request, so Node wrote no profile");
        string profile = Assert.Single(Directory.GetFiles(profiles, "*.cpuprofile"));
        Assert.Contains($".{processId}.", Path.GetFileName(profile), StringComparison.Ordinal);
    }
    [Fact]
    public async Task StartAsync_FixedPortInUse_ThrowsNamingThePort()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            AzuriteLauncher.StartAsync(new AzuriteLaunchOptions { ToolsFolder = ToolsFolder, TablePort = port }));

        Assert.Contains($"table port {port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureInstalledAsync_LockHeldByAnotherProcess_WaitsAndTimesOutWithoutInstalling()
    {
        string tools = Path.Combine(scratch, "tools");
        Directory.CreateDirectory(tools);
        await using var held = new FileStream(Path.Combine(tools, ".azurite-install.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        await Assert.ThrowsAsync<TimeoutException>(() => AzuriteInstaller.EnsureInstalledAsync(
            tools, AzuriteLaunchOptions.DefaultVersion, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromMilliseconds(600), CancellationToken.None));

        Assert.False(Directory.Exists(Path.Combine(tools, "node_modules")), "npm ran although the lock was held");
    }

    [Fact]
    public async Task IsInstalled_InstalledVersionDiffers_ReturnsFalse()
    {
        // On a fresh clone nothing may have installed Azurite yet: install it (a no-op when it is there).
        await AzuriteInstaller.EnsureInstalledAsync(
            ToolsFolder, AzuriteLaunchOptions.DefaultVersion, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromMinutes(10), CancellationToken.None);

        Assert.True(AzuriteInstaller.IsInstalled(ToolsFolder, AzuriteLaunchOptions.DefaultVersion));
        Assert.False(AzuriteInstaller.IsInstalled(ToolsFolder, "3.0.0"));
        Assert.False(AzuriteInstaller.IsInstalled(Path.Combine(scratch, "empty"), AzuriteLaunchOptions.DefaultVersion));
    }

    [Fact]
    public void TryFindRoot_NestedFolder_ReturnsTheFolderHoldingTheSolution()
    {
        string root = Path.Combine(scratch, "repo");
        string nested = Directory.CreateDirectory(Path.Combine(root, "src", "App", "bin", "Debug")).FullName;
        File.WriteAllText(Path.Combine(root, RepoPaths.SolutionFileName), string.Empty);

        Assert.Equal(Path.GetFullPath(root), RepoPaths.TryFindRoot(nested));
        Assert.Null(RepoPaths.TryFindRoot(Directory.CreateDirectory(Path.Combine(scratch, "elsewhere")).FullName));
    }

    [Fact]
    public void Root_FromTestBinaries_IsTheRepository()
    {
        Assert.True(File.Exists(Path.Combine(SoraFunctions.Testing.RepoPaths.Root, "SoraFunctions.sln")));
        Assert.Equal(SoraFunctions.Testing.RepoPaths.Root, RepoPaths.FindRoot());
    }

    static bool IsProcessAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
