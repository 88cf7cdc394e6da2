using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SoraFunctions.Catalog;
using SoraFunctions.Configuration;
using SoraFunctions.Http;
using SoraFunctions.Limits;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Unit;

public class VideoApiTests
{
    static readonly JsonDataConverter Converter = JsonDataConverter.Default;
    readonly Mock<DurableTaskClient> client = new("test") { CallBase = true };
    readonly Mock<IJobIndex> jobs = new();
    readonly Mock<ISpendLedger> ledger = new();
    readonly VideoApi api;
    readonly LibraryApi library;
    readonly JobApi jobApi;

    public VideoApiTests()
    {
        var store = new VideoBlobStore(new BlobServiceClient("UseDevelopmentStorage=true"), Options.Create(new VideoStorageOptions()), NullLogger<VideoBlobStore>.Instance);
        var catalog = new VideoCatalog(new TableClient("UseDevelopmentStorage=true", "videocatalog"));
        api = new VideoApi(
            Options.Create(new VideoApiOptions { MaxRequestBytes = 2048 }),
            TestProviders.Sora,
            new CallerResolver(Options.Create(new CallersOptions { TrustPrincipalHeaders = true, Admins = ["root"] }), new ConfigurationBuilder().Build()),
            new PriceTable(Options.Create(new PricesOptions())),
            ledger.Object,
            new InputImageStore(new BlobServiceClient("UseDevelopmentStorage=true")),
            new JobPacingFactory(Options.Create(new PipelineOptions()), Options.Create(new LimitsOptions()), TestProviders.Sora),
            new StatusSweepStarter(TestProviders.Sora, Options.Create(new PipelineOptions()), TimeProvider.System, NullLogger<StatusSweepStarter>.Instance),
            jobs.Object,
            new VideoJobActivities(
                TestProviders.Sora,
                store,
                new InputImageStore(new BlobServiceClient("UseDevelopmentStorage=true")),
                new ProviderVideoIndex(new TableServiceClient("UseDevelopmentStorage=true")),
                Mock.Of<ICreateAttempts>(),
                Mock.Of<IVideoStoredNotifier>(),
                Mock.Of<ICreatePacer>(),
                Options.Create(new PipelineOptions()),
                TimeProvider.System,
                NullLogger<VideoJobActivities>.Instance),
            // The submission's own create is covered over real HTTP (PipelineTests); these tests make no provider call.
            Options.Create(new PipelineOptions { CreateOnSubmit = false }),
            TimeProvider.System,
            NullLogger<VideoApi>.Instance);
        jobApi = new JobApi(
            new CallerResolver(Options.Create(new CallersOptions { TrustPrincipalHeaders = true, Admins = ["root"] }), new ConfigurationBuilder().Build()),
            store,
            jobs.Object,
            TimeProvider.System,
            NullLogger<JobApi>.Instance);
        library = new LibraryApi(
            Options.Create(new VideoApiOptions { MaxRequestBytes = 2048 }),
            TestProviders.Sora,
            new CallerResolver(Options.Create(new CallersOptions { TrustPrincipalHeaders = true, Admins = ["root"] }), new ConfigurationBuilder().Build()),
            new PriceTable(Options.Create(new PricesOptions())),
            ledger.Object,
            catalog,
            TimeProvider.System);
        client.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        ledger.Setup(l => l.ReserveAsync(It.IsAny<SpendRequest>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BudgetDecision(true, null, null, 0, null));
    }

    static OrchestrationMetadata Instance(string id, OrchestrationRuntimeStatus status, string prompt = "a fox", DateTimeOffset? createdAt = null, object? output = null, string name = VideoOrchestrator.Name, string caller = Caller.AnonymousId) =>
        new(name, id)
        {
            RuntimeStatus = status,
            CreatedAt = createdAt ?? DateTimeOffset.UtcNow,
            LastUpdatedAt = createdAt ?? DateTimeOffset.UtcNow,
            SerializedInput = Converter.Serialize(new VideoJobInput(id, new VideoSpec(prompt, "sora-2", "4", "720x1280"), TestPacing.Fast) { Caller = caller }),
            SerializedOutput = output is null ? null : Converter.Serialize(output),
            DataConverter = Converter,
        };

    void Exists(OrchestrationMetadata instance) =>
        client.Setup(c => c.GetInstancesAsync(instance.InstanceId, It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync(instance);

    async Task<(int Status, JsonElement Body, HttpContext Context)> SubmitAsync(string? body, string? contentType = "application/json")
    {
        DefaultHttpContext context = HttpResults.NewContext(body, contentType);
        return await HttpResults.ExecuteAsync(await api.SubmitAsync(context.Request, client.Object, new HttpResults.TestUrls(), default), context);
    }

    void VerifyNothingScheduled() =>
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);

    [Fact]
    public async Task Submit_ValidRequest_SchedulesTheOrchestratorAndAnswers202WithLocationAndDurableUrls()
    {
        VideoJobInput? scheduled = null;
        string? instanceId = null;
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? input, StartOrchestrationOptions? options, CancellationToken _) => (scheduled, instanceId) = ((VideoJobInput)input!, options!.InstanceId))
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? o, CancellationToken _) => o!.InstanceId!);

        (int status, JsonElement body, HttpContext context) = await SubmitAsync("""{"prompt":"a red fox","seconds":8,"size":"1280x720"}""");

        Assert.Equal(StatusCodes.Status202Accepted, status);
        string id = body.GetProperty("id").GetString()!;
        Assert.Equal(instanceId, id);
        Assert.Equal($"/api/videos/{id}", context.Response.Headers.Location.ToString());
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.EndsWith($"/instances/{id}", body.GetProperty("statusQueryGetUri").GetString(), StringComparison.Ordinal);
        foreach (string url in new[] { "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "suspendPostUri", "resumePostUri" })
        {
            Assert.False(string.IsNullOrEmpty(body.GetProperty(url).GetString()), url);
        }

        Assert.Equal(new VideoSpec("a red fox", "sora-2", "8", "1280x720"), scheduled!.Spec);
        Assert.Equal(new PipelineOptions().ToPacing(), scheduled.Pacing);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Submit_NotJson_Answers415ProblemJson(string? contentType)
    {
        (int status, JsonElement body, HttpContext context) = await SubmitAsync("""{"prompt":"p"}""", contentType);

        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, status);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(415, body.GetProperty("status").GetInt32());
        Assert.Equal("unsupported_media_type", body.GetProperty("code").GetString());
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_JsonWithCharset_IsAccepted()
    {
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>())).ReturnsAsync("x");
        (int status, _, _) = await SubmitAsync("""{"prompt":"p"}""", "application/json; charset=utf-8");
        Assert.Equal(202, status);
    }

    [Theory]
    [InlineData("{\"prompt\":\"p\"", "body")]
    [InlineData("", "body")]
    [InlineData("""{"prompt":""}""", "prompt")]
    [InlineData("""{"prompt":"p","model":"sora-9"}""", "model")]
    [InlineData("""{"prompt":"p","id":"../etc"}""", "id")]
    [InlineData("""{"prompt":"\ud800"}""", "prompt")]
    [InlineData("""{"prompt":"p","model":"\udfff"}""", "model")]
    [InlineData("""{"prompt":"p","id":"a\ud800b"}""", "id")]
    public async Task Submit_BadInput_Answers400ProblemNamingTheField(string body, string field)
    {
        (int status, JsonElement problem, HttpContext context) = await SubmitAsync(body);

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}'");
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(context.TraceIdentifier, problem.GetProperty("traceId").GetString());
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_BodyOverTheLimit_Answers400WithoutReadingItAll()
    {
        string big = $$"""{"prompt":"{{new string('x', 4000)}}"}""";
        (int status, JsonElement problem, _) = await SubmitAsync(big);
        Assert.Equal(400, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));

        DefaultHttpContext chunked = HttpResults.NewContext(big);
        chunked.Request.ContentLength = null;
        (int chunkedStatus, _, _) = await HttpResults.ExecuteAsync(await api.SubmitAsync(chunked.Request, client.Object, new HttpResults.TestUrls(), default), chunked);
        Assert.Equal(400, chunkedStatus);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_KnownIdSameRequest_Answers200WithTheExistingJobAndSchedulesNothing()
    {
        Exists(Instance("job-7", OrchestrationRuntimeStatus.Running, prompt: "p"));

        (int status, JsonElement body, _) = await SubmitAsync("""{"prompt":"p","id":"job-7"}""");

        Assert.Equal(200, status);
        Assert.Equal("job-7", body.GetProperty("id").GetString());
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_KnownIdDifferentPrompt_Answers409()
    {
        Exists(Instance("job-7", OrchestrationRuntimeStatus.Completed, prompt: "another prompt", output: new VideoJobResult(JobStatus.Completed)));

        (int status, _, _) = await SubmitAsync("""{"prompt":"p","id":"job-7"}""");

        Assert.Equal(409, status);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_SameIdRacesAnotherSubmission_AnswersTheJobThatWon()
    {
        OrchestrationMetadata winner = Instance("job-8", OrchestrationRuntimeStatus.Pending, prompt: "p");
        client.SetupSequence(c => c.GetInstancesAsync("job-8", It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((OrchestrationMetadata?)null)
            .ReturnsAsync(winner);
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("An orchestration with instance ID 'job-8' already exists."));

        (int status, JsonElement body, _) = await SubmitAsync("""{"prompt":"p","id":"job-8"}""");

        Assert.Equal(200, status);
        Assert.Equal("job-8", body.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Get_UnknownOrInvalidId_Answers404Problem()
    {
        foreach (string id in new[] { "nope", "bad id!" })
        {
            DefaultHttpContext context = HttpResults.NewContext();
            (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await jobApi.GetAsync(context.Request, id, client.Object, default), context);
            Assert.Equal(404, status);
            Assert.Equal(404, body.GetProperty("status").GetInt32());
            Assert.Equal("not_found", body.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Get_AnotherOrchestrationsId_Answers404()
    {
        Exists(Instance("other-1", OrchestrationRuntimeStatus.Running, name: "SomethingElse"));
        (int status, _, _) = await HttpResults.ExecuteAsync(await jobApi.GetAsync(HttpResults.NewContext().Request, "other-1", client.Object, default), HttpResults.NewContext());
        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Content_BeforeCompletion_Answers409()
    {
        Exists(Instance("job-9", OrchestrationRuntimeStatus.Running));
        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await jobApi.ContentAsync(HttpResults.NewContext().Request, "job-9", client.Object, default), HttpResults.NewContext());
        Assert.Equal(409, status);
        Assert.Contains("queued", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("not_ready", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cancel_RunningJob_RaisesTheCancelEventAndAnswers202()
    {
        Exists(Instance("job-10", OrchestrationRuntimeStatus.Running));
        DefaultHttpContext context = HttpResults.NewContext();

        (int status, _, _) = await HttpResults.ExecuteAsync(await jobApi.CancelAsync(context.Request, "job-10", client.Object, default), context);

        Assert.Equal(202, status);
        client.Verify(c => c.RaiseEventAsync("job-10", VideoOrchestrator.CancelEvent, It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Cancel_FinishedJob_IsANoOpThatAnswers200()
    {
        Exists(Instance("job-11", OrchestrationRuntimeStatus.Completed, output: new VideoJobResult(JobStatus.Completed)));
        DefaultHttpContext context = HttpResults.NewContext();

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await jobApi.CancelAsync(context.Request, "job-11", client.Object, default), context);

        Assert.Equal(200, status);
        Assert.Equal("completed", body.GetProperty("status").GetString());
        client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Submit_NewJob_IsIndexedBeforeItIsScheduled()
    {
        var order = new List<string>();
        jobs.Setup(j => j.RecordAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).Callback(() => order.Add("index")).Returns(Task.CompletedTask);
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("schedule")).ReturnsAsync("x");

        (int status, JsonElement body, _) = await SubmitAsync("""{"prompt":"p","id":"indexed-1"}""");

        Assert.Equal(202, status);
        Assert.Equal(["index", "schedule"], order);
        jobs.Verify(j => j.RecordAsync("indexed-1", Caller.AnonymousId, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal("indexed-1", body.GetProperty("id").GetString());
    }

    [Fact]
    public async Task List_KeepsTheIndexOrderAndLeavesOutPurgedAndForeignInstances()
    {
        jobs.Setup(j => j.ListAsync(Caller.AnonymousId, 2, "page-2", It.IsAny<CancellationToken>())).ReturnsAsync((["c", "gone", "x", "b"], "page-3"));
        Exists(Instance("c", OrchestrationRuntimeStatus.Running));
        Exists(Instance("b", OrchestrationRuntimeStatus.Completed, output: new VideoJobResult(JobStatus.Completed)));
        Exists(Instance("x", OrchestrationRuntimeStatus.Running, name: "SomethingElse"));
        DefaultHttpContext context = HttpResults.NewContext();
        context.Request.QueryString = new QueryString("?limit=2&continuationToken=page-2");

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await jobApi.ListAsync(context.Request, client.Object, default), context);

        Assert.Equal(200, status);
        Assert.Equal(["c", "b"], body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal("page-3", body.GetProperty("continuationToken").GetString());
    }

    [Fact]
    public async Task List_ForeignContinuationToken_Answers400()
    {
        jobs.Setup(j => j.ListAsync(It.IsAny<string?>(), It.IsAny<int>(), "bogus", It.IsAny<CancellationToken>())).ThrowsAsync(new FormatException("bad token"));
        DefaultHttpContext context = HttpResults.NewContext();
        context.Request.QueryString = new QueryString("?continuationToken=bogus");

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await jobApi.ListAsync(context.Request, client.Object, default), context);

        Assert.Equal(400, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("continuationToken", out _));
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?limit=101", "limit")]
    public async Task List_BadQuery_Answers400NamingTheParameter(string query, string field)
    {
        DefaultHttpContext context = HttpResults.NewContext();
        context.Request.QueryString = new QueryString(query);
        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await jobApi.ListAsync(context.Request, client.Object, default), context);
        Assert.Equal(400, status);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _));
    }

    static DefaultHttpContext As(string caller, string? body = null)
    {
        DefaultHttpContext context = HttpResults.NewContext(body);
        context.Request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = caller;
        return context;
    }

    [Fact]
    public async Task Get_AnotherCallersJob_Answers404()
    {
        Exists(Instance("alices", OrchestrationRuntimeStatus.Running, caller: "alice"));

        (int asBob, _, _) = await HttpResults.ExecuteAsync(await jobApi.GetAsync(As("bob").Request, "alices", client.Object, default), HttpResults.NewContext());
        (int asAlice, _, _) = await HttpResults.ExecuteAsync(await jobApi.GetAsync(As("alice").Request, "alices", client.Object, default), HttpResults.NewContext());
        (int asAdmin, _, _) = await HttpResults.ExecuteAsync(await jobApi.GetAsync(As("root").Request, "alices", client.Object, default), HttpResults.NewContext());

        Assert.Equal((404, 200, 200), (asBob, asAlice, asAdmin));
    }

    [Fact]
    public async Task ContentAndCancel_AnotherCallersJob_Answer404AndRaiseNothing()
    {
        Exists(Instance("alices-2", OrchestrationRuntimeStatus.Running, caller: "alice"));
        DefaultHttpContext bob = As("bob");

        (int content, _, _) = await HttpResults.ExecuteAsync(await jobApi.ContentAsync(bob.Request, "alices-2", client.Object, default), HttpResults.NewContext());
        (int cancel, _, _) = await HttpResults.ExecuteAsync(await jobApi.CancelAsync(bob.Request, "alices-2", client.Object, default), bob);

        Assert.Equal((404, 404), (content, cancel));
        client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task List_ReadsTheCallersOwnIndexAndAdminsReadEveryones()
    {
        jobs.Setup(j => j.ListAsync(It.IsAny<string?>(), It.IsAny<int>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync(([], null));

        await jobApi.ListAsync(As("alice").Request, client.Object, default);
        await jobApi.ListAsync(As("root").Request, client.Object, default);

        jobs.Verify(j => j.ListAsync("alice", It.IsAny<int>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Once);
        jobs.Verify(j => j.ListAsync(null, It.IsAny<int>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Submit_ReservesTheEstimatedCostForTheCallerAndCarriesIt()
    {
        VideoJobInput? scheduled = null;
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? input, StartOrchestrationOptions? _, CancellationToken _) => scheduled = (VideoJobInput)input!)
            .ReturnsAsync("x");
        DefaultHttpContext context = As("alice", """{"prompt":"a fox","model":"sora-2-pro","seconds":"8","size":"1920x1080","id":"priced-1"}""");

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await api.SubmitAsync(context.Request, client.Object, new HttpResults.TestUrls(), default), context);

        Assert.Equal(202, status);
        Assert.Equal(5.6m, body.GetProperty("estimatedCostUsd").GetDecimal());
        Assert.Equal(("alice", 5.6m), (scheduled!.Caller, scheduled.EstimatedCostUsd));
        ledger.Verify(l => l.ReserveAsync(new SpendRequest("alice", "priced-1", 5.6m, 8), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Submit_StartFails_GivesTheChargeBack()
    {
        // No orchestration exists to refund it, and a server-made id can never be submitted again.
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Azure.RequestFailedException(503, "storage is down"));

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => SubmitAsync("""{"prompt":"a fox"}"""));

        ledger.Verify(l => l.RefundAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Submit_ResubmissionStartFails_KeepsTheEarlierCharge()
    {
        ledger.Setup(l => l.ReserveAsync(It.IsAny<SpendRequest>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BudgetDecision(true, null, null, 0, null, AlreadyCharged: true));
        client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Azure.RequestFailedException(503, "storage is down"));

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => SubmitAsync("""{"prompt":"a fox","id":"again-1"}"""));

        ledger.Verify(l => l.RefundAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Batch_RefusedAfterAnItemChargedBefore_GivesBackOnlyWhatItCharged()
    {
        // Item 1's id was charged by an earlier request: refunding it would erase a charge this request never made.
        var batches = new BatchApi(
            api,
            Options.Create(new VideoApiOptions { MaxRequestBytes = 2048 }),
            Options.Create(new LimitsOptions()),
            new JobPacingFactory(Options.Create(new PipelineOptions()), Options.Create(new LimitsOptions()), TestProviders.Sora),
            new StatusSweepStarter(TestProviders.Sora, Options.Create(new PipelineOptions()), TimeProvider.System, NullLogger<StatusSweepStarter>.Instance),
            TestProviders.Sora,
            new CallerResolver(Options.Create(new CallersOptions()), new ConfigurationBuilder().Build()),
            ledger.Object,
            jobs.Object,
            TimeProvider.System,
            NullLogger<BatchApi>.Instance);
        ledger.Setup(l => l.ReserveAsync(It.Is<SpendRequest>(r => r.JobId == "x-1"), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BudgetDecision(true, null, null, 0, null, AlreadyCharged: true));
        ledger.Setup(l => l.ReserveAsync(It.Is<SpendRequest>(r => r.JobId == "x-2"), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BudgetDecision(true, null, null, 0, null));
        ledger.Setup(l => l.ReserveAsync(It.Is<SpendRequest>(r => r.JobId == "x-3"), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BudgetDecision(false, BudgetDecision.CallerBudget, 1m, 0.8m, TimeSpan.FromSeconds(60)));
        DefaultHttpContext context = HttpResults.NewContext("""{"id":"x","prompt":"a fox","count":3}""", "application/json");

        (int status, _, _) = await HttpResults.ExecuteAsync(await batches.SubmitAsync(context.Request, client.Object, default), context);

        Assert.Equal(429, status);
        ledger.Verify(l => l.RefundAsync("x-2", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        ledger.Verify(l => l.RefundAsync("x-1", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_OverBudget_Answers429ProblemWithRetryAfterAndSchedulesNothing()
    {
        ledger.Setup(l => l.ReserveAsync(It.IsAny<SpendRequest>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new BudgetDecision(false, BudgetDecision.CallerBudget, 1m, 0.8m, TimeSpan.FromSeconds(3600.2)));

        (int status, JsonElement body, HttpContext context) = await SubmitAsync("""{"prompt":"a fox"}""");

        Assert.Equal(429, status);
        Assert.Equal("3601", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("Limits:CallerDailyUsd", body.GetProperty("budget").GetString());
        Assert.Equal("over_budget", body.GetProperty("code").GetString());
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Submit_SameIdByAnotherCaller_Answers409WithoutRevealingTheJob()
    {
        Exists(Instance("taken-1", OrchestrationRuntimeStatus.Running, prompt: "alice's secret prompt", caller: "alice"));
        DefaultHttpContext context = As("bob", """{"prompt":"a fox","id":"taken-1"}""");

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await api.SubmitAsync(context.Request, client.Object, new HttpResults.TestUrls(), default), context);

        Assert.Equal(409, status);
        Assert.Equal("id_taken", body.GetProperty("code").GetString());
        Assert.DoesNotContain("secret", body.GetRawText(), StringComparison.Ordinal);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task Usage_AnswersTheCallersOwnReportAndAdminsEveryones()
    {
        var report = new UsageReport(null, new DateOnly(2026, 11, 30), UsageTotals.Zero, UsageTotals.Zero, [], null, null);
        ledger.Setup(l => l.GetUsageAsync(It.IsAny<string?>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ReturnsAsync(report);

        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(await library.UsageAsync(As("alice").Request, default), HttpResults.NewContext());
        await library.UsageAsync(As("root").Request, default);

        Assert.Equal(200, status);
        Assert.Equal("alice", body.GetProperty("caller").GetString());
        ledger.Verify(l => l.GetUsageAsync("alice", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        ledger.Verify(l => l.GetUsageAsync(null, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Models_ListsTheProvidersModelsDefaultsLimitAndCapabilities()
    {
        (int status, JsonElement body, _) = await HttpResults.ExecuteAsync(library.Models(HttpResults.NewContext().Request), HttpResults.NewContext());

        Assert.Equal(200, status);
        Assert.Equal("Sora", body.GetProperty("provider").GetString());
        Assert.Equal("sora-2", body.GetProperty("defaultModel").GetString());
        Assert.Equal(10_000, body.GetProperty("maxPromptLength").GetInt32());
        JsonElement sora2 = body.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "sora-2");
        Assert.Contains("720x1280", sora2.GetProperty("sizes").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("4", sora2.GetProperty("seconds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0.10m, sora2.GetProperty("usdPerSecond").GetProperty("720x1280").GetDecimal());
        JsonElement capabilities = body.GetProperty("capabilities");
        Assert.True(capabilities.GetProperty("batches").GetBoolean());
        Assert.True(capabilities.GetProperty("remix").GetBoolean());
        Assert.True(capabilities.GetProperty("imageInput").GetBoolean());
        Assert.True(capabilities.GetProperty("renditions").GetBoolean());
        Assert.False(capabilities.GetProperty("webhooks").GetBoolean());
    }
}
