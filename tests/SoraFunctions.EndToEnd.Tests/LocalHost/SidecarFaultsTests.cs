using System.Net.Sockets;
using Grpc.Core;
using SoraFunctions.Http;
using SoraFunctions.LocalHost.Engine;

namespace SoraFunctions.EndToEnd.Tests.LocalHost;

/// <summary>The sidecar answers a client call that storage could not serve with gRPC <c>Unavailable</c>, which the API turns into a 503.</summary>
public sealed class SidecarFaultsTests
{
    static AggregateException StorageRefused() =>
        new AggregateException(
            "Retry failed after 4 tries.",
            new Azure.RequestFailedException(0, "Connection refused (127.0.0.1:10002)", new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused))));

    [Fact]
    public async Task StorageUnreachable_AnsweredAsUnavailable_WhichTheApiAnswers503()
    {
        RpcException answered = await Assert.ThrowsAsync<RpcException>(
            () => SidecarFaults.AnswerAsync<string>(() => throw StorageRefused(), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, answered.StatusCode);
        Assert.DoesNotContain("127.0.0.1", answered.Status.Detail, StringComparison.Ordinal);
        // What the API's client sees is an RpcException with this status; it maps to the storage 503.
        Assert.Equal(503, ApiFailures.ProblemFor(new RpcException(answered.Status)).Status);
    }

    [Fact]
    public async Task StorageBusy503_AnsweredAsUnavailable()
    {
        RpcException answered = await Assert.ThrowsAsync<RpcException>(
            () => SidecarFaults.AnswerAsync<string>(() => throw new Azure.RequestFailedException(503, "Server busy"), CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, answered.StatusCode);
    }

    [Fact]
    public async Task OtherFailure_PassesThroughUnchanged()
    {
        // A 404 or a bug is not an outage: the sidecar's own answer (NotFound, Unknown) stands.
        await Assert.ThrowsAsync<Azure.RequestFailedException>(
            () => SidecarFaults.AnswerAsync<string>(() => throw new Azure.RequestFailedException(404, "Not found"), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => SidecarFaults.AnswerAsync<string>(() => throw new InvalidOperationException("bug"), CancellationToken.None));
        RpcException own = new(new Status(StatusCode.NotFound, "no such instance"));
        Assert.Same(own, await Assert.ThrowsAsync<RpcException>(() => SidecarFaults.AnswerAsync<string>(() => throw own, CancellationToken.None)));
    }

    [Fact]
    public async Task CallCancelledByItsClient_PassesThroughUnchanged()
    {
        using CancellationTokenSource cancelled = new();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(
            () => SidecarFaults.AnswerAsync<string>(() => throw new OperationCanceledException(cancelled.Token), cancelled.Token));
    }

    [Fact]
    public async Task Success_ReturnsTheAnswer()
    {
        Assert.Equal("ok", await SidecarFaults.AnswerAsync(() => Task.FromResult("ok"), CancellationToken.None));
    }
}
