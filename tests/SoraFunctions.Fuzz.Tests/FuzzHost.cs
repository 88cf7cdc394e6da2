using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moq;
using SoraFunctions.Http;
using SoraFunctions.Jobs;
using SoraFunctions.LocalHost.Hosting;
using SoraFunctions.LocalHost.Management;
using SoraFunctions.Orchestration;
using SoraFunctions.Provider;
using SoraFunctions.Testing;

namespace SoraFunctions.Fuzz.Tests;

/// <summary>
/// The local host's real HTTP pipeline (<see cref="LocalHostHttp"/>: problems, host filter, routing, the API and the
/// Durable management routes) in-process on a <see cref="TestServer"/>, in the Development environment (where ASP.NET
/// would show its exception page), with the real <see cref="VideoApi"/> over Azurite and a mocked Durable client that
/// knows a few jobs. The goal is the HTTP surface, not the engine.
/// </summary>
public sealed class FuzzHost : IAsyncLifetime
{
    public static readonly string WebhookSecret = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    static readonly JsonDataConverter Converter = JsonDataConverter.Default;

    AzuriteServer azurite = null!;
    WebApplication app = null!;

    public TestServer Server { get; private set; } = null!;

    /// <summary>Errors the app logged (with their exceptions), so that a failing case can show what went wrong inside.</summary>
    public ErrorLog Errors { get; } = new();

    public Mock<DurableTaskClient> Client { get; } = new("fuzz") { CallBase = true };

    /// <summary>Ids of the jobs the mocked client knows: running, completed with a blob, failed.</summary>
    public static IReadOnlyList<string> KnownJobs { get; } = ["job-running", "job-done", "job-failed"];

    /// <summary>An id whose lookup fails as it does while the engine (or its storage) is out of reach.</summary>
    public const string UnreachableJob = "job-unreachable";

    public async Task InitializeAsync()
    {
        azurite = await AzuriteServer.StartAsync();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Errors);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sora:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Sora:WebhookSecret"] = WebhookSecret,
            ["VideoStorage"] = azurite.ConnectionString,
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Limits:TableName"] = "fuzzlimits",
            ["Limits:CallerDailyUsd"] = "1000000",
        });
        builder.Services.AddVideoPipeline(builder.Configuration).AddVideoProvider(builder.Configuration);
        builder.Services.Replace(ServiceDescriptor.Singleton<IManagementUrlFactory, LocalManagementUrlFactory>());
        builder.Services.AddLocalHostHttp(builder.Configuration);
        builder.Services.AddSingleton(Client.Object);
        SeedClient();

        app = builder.Build();
        app.UseLocalHostHttp();
        await app.StartAsync();
        Server = app.GetTestServer();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await azurite.DisposeAsync();
    }

    void SeedClient()
    {
        Client.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        Seed("job-running", OrchestrationRuntimeStatus.Running, null);
        Client.Setup(c => c.GetInstancesAsync(UnreachableJob, It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "Error connecting to subchannel 127.0.0.1:4001")));
        Seed("job-done", OrchestrationRuntimeStatus.Completed, new VideoJobResult(JobStatus.Completed)
        {
            Blob = new BlobLocation("videos", "2026/11/30/job-done.mp4", "http://127.0.0.1:10000/devstoreaccount1/videos/2026/11/30/job-done.mp4"),
        });
        Seed("job-failed", OrchestrationRuntimeStatus.Completed, new VideoJobResult(JobStatus.Failed) { Error = new JobError("moderation_blocked", "no") });
        Client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? o, CancellationToken _) => o?.InstanceId ?? "x");
        Client.Setup(c => c.TerminateInstanceAsync(It.IsAny<string>(), It.IsAny<TerminateInstanceOptions?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Client.Setup(c => c.SuspendInstanceAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Client.Setup(c => c.ResumeInstanceAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Client.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Client.Setup(c => c.PurgeInstanceAsync(It.IsAny<string>(), It.IsAny<PurgeInstanceOptions?>(), It.IsAny<CancellationToken>())).ReturnsAsync(new PurgeResult(1));
    }

    void Seed(string id, OrchestrationRuntimeStatus status, VideoJobResult? output)
    {
        var instance = new OrchestrationMetadata(VideoOrchestrator.Name, id)
        {
            RuntimeStatus = status,
            CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            LastUpdatedAt = DateTimeOffset.UtcNow,
            SerializedInput = Converter.Serialize(new VideoJobInput(id, new VideoSpec("a fox", "sora-2", "4", "720x1280"), new Configuration.PipelineOptions().ToPacing())),
            SerializedOutput = output is null ? null : Converter.Serialize(output),
            DataConverter = Converter,
        };
        Client.Setup(c => c.GetInstancesAsync(id, It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(instance);
    }
}

/// <summary>Keeps the last error-level entries the app logged.</summary>
public sealed class ErrorLog : ILoggerProvider, ILogger
{
    readonly System.Collections.Concurrent.ConcurrentQueue<string> entries = new();

    public IReadOnlyCollection<string> Entries => entries;

    public void Clear() => entries.Clear();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            entries.Enqueue($"{formatter(state, exception)} {exception}");
        }
    }

    public void Dispose()
    {
    }
}
