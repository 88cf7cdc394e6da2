using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using SoraFunctions.Http;

namespace SoraFunctions.Tests.Unit;

/// <summary>An exception that escapes a handler becomes a problem without internals; storage trouble is a 503.</summary>
public class ApiFailuresTests
{
    public static TheoryData<Exception> StorageTrouble => new()
    {
        new Azure.RequestFailedException(0, "Connection refused (127.0.0.1:10002)", new HttpRequestException("refused")),
        new Azure.RequestFailedException(503, "Server busy"),
        new AggregateException("Retry failed after 6 tries.", new Azure.RequestFailedException("No connection could be made")),
        new HttpRequestException("Connection refused"),
        new SocketException((int)SocketError.ConnectionRefused),
        new InvalidOperationException("wrapped", new TimeoutException()),
    };

    [Theory]
    [MemberData(nameof(StorageTrouble))]
    public async Task Middleware_StorageUnavailable_Answers503ProblemWithRetryAfter(Exception failure)
    {
        (int status, JsonElement body, HttpContext context) = await RunAsync(_ => throw failure);

        Assert.Equal(503, status);
        Assert.Equal("storage_unavailable", body.GetProperty("code").GetString());
        Assert.Equal(ApiFailures.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("trace-1", body.GetProperty("traceId").GetString());
        Assert.DoesNotContain("Exception", body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Middleware_Bug_Answers500ProblemWithoutTheMessage()
    {
        (int status, JsonElement body, HttpContext context) = await RunAsync(_ => throw new ArgumentOutOfRangeException("secret", "secret internals at Foo.Bar()"));

        Assert.Equal(500, status);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("internal_error", body.GetProperty("code").GetString());
        Assert.DoesNotContain("secret", body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Middleware_RpcUnavailableByName_Answers503()
    {
        Assert.True(ApiFailures.IsUnavailable(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "no sidecar"))));
        Assert.False(ApiFailures.IsUnavailable(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.InvalidArgument, "bad"))));
        (int status, _, _) = await RunAsync(_ => throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "no sidecar")));
        Assert.Equal(503, status);
    }

    public static TheoryData<Exception> Cancellations => new()
    {
        new OperationCanceledException(),
        new TaskCanceledException(),
        new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Cancelled, "Call canceled by the client.")),
    };

    [Theory]
    [MemberData(nameof(Cancellations))]
    public async Task Middleware_ClientWentAway_IsNoFailureAndGetsNoAnswer(Exception cancellation)
    {
        // A provider's webhook delivery that timed out while the receiver raised the job's event, for one.
        using var gone = new CancellationTokenSource();
        DefaultHttpContext context = HttpResults.NewContext();
        context.RequestAborted = gone.Token;
        var logger = new ListLogger<ApiProblemMiddleware>();
        var middleware = new ApiProblemMiddleware(
            _ =>
            {
                gone.Cancel();
                throw cancellation;
            },
            logger);

        await middleware.InvokeAsync(context);

        Assert.Equal(ApiFailures.ClientClosedRequest, context.Response.StatusCode);
        Assert.Equal(0, context.Response.Body.Length);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains(logger.Entries, e => e.Message.Contains("went away", StringComparison.Ordinal));
    }

    [Fact]
    public void ClientGone_OnlyWhenTheRequestWasAbandonedAndTheErrorIsItsCancellation()
    {
        Assert.False(ApiFailures.ClientGone(new OperationCanceledException(), requestAborted: false));
        Assert.False(ApiFailures.ClientGone(new InvalidOperationException("a bug"), requestAborted: true));
        Assert.False(ApiFailures.ClientGone(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "no sidecar")), requestAborted: true));
        Assert.True(ApiFailures.ClientGone(new InvalidOperationException("wrapped", new TaskCanceledException()), requestAborted: true));
    }

    [Theory]
    [InlineData(404, "not_found")]
    [InlineData(405, "method_not_allowed")]
    [InlineData(400, "bad_request")]
    public async Task Middleware_BareStatus_GetsAProblemBody(int bare, string code)
    {
        (int status, JsonElement body, HttpContext context) = await RunAsync(c =>
        {
            c.Response.StatusCode = bare;
            if (bare == 405)
            {
                c.Response.Headers.Allow = "GET, DELETE";
            }

            return Task.CompletedTask;
        });

        Assert.Equal(bare, status);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal(code, body.GetProperty("code").GetString());
        if (bare == 405)
        {
            Assert.Equal("GET, DELETE", context.Response.Headers.Allow.ToString());
        }
    }

    static async Task<(int Status, JsonElement Body, HttpContext Context)> RunAsync(RequestDelegate handler)
    {
        DefaultHttpContext context = HttpResults.NewContext();
        context.TraceIdentifier = "trace-1";
        var middleware = new ApiProblemMiddleware(handler, NullLogger<ApiProblemMiddleware>.Instance);
        await middleware.InvokeAsync(context);
        context.Response.Body.Position = 0;
        JsonElement body = JsonDocument.Parse(context.Response.Body).RootElement.Clone();
        return (context.Response.StatusCode, body, context);
    }

    /// <summary>Keeps what was logged.</summary>
    sealed class ListLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
    {
        public List<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
