using System.Security.Cryptography;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace SoraEmulator.Tests;

/// <summary>An emulator whose webhooks go to a <see cref="WebhookReceiver"/> started first.</summary>
public abstract class WebhookTestBase : EmulatorTestBase
{
    protected static readonly string Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    WebhookReceiver? receiver;

    internal WebhookReceiver Receiver => receiver ?? throw new InvalidOperationException("Not started.");

    /// <summary>How many deliveries the receiver answers 500 before it accepts.</summary>
    protected virtual int ReceiverFailures => 0;

    protected override EmulatorOptions CreateOptions() =>
        new() { RenderSeconds = 20, WebhookUrl = Receiver.Url, WebhookSecret = Secret };

    public override async Task InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync(ReceiverFailures);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (receiver is not null)
        {
            await receiver.DisposeAsync();
        }
    }

    /// <summary>Waits (real time, with a deadline) for a counter, advancing the emulator's clock between looks.</summary>
    protected async Task WaitForStatAsync(Func<bool> condition, bool advance = false)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The stat did not reach the expected value.");
            if (advance)
            {
                Advance(1);
            }

            await Task.Delay(20);
        }
    }
}

public sealed class WebhookTests : WebhookTestBase
{
    [Fact]
    public async Task CompletedVideo_PostsSignedVideoCompletedEvent()
    {
        string id = await CreateIdAsync("notify me");
        Advance(19.9);
        await Task.Delay(200);
        Assert.Empty(Receiver.Deliveries);

        Advance(0.1);
        WebhookReceiver.Delivery delivery = Assert.Single(await Receiver.WaitForAsync(1));

        new StandardWebhook(Secret).Verify(delivery.Body, delivery.Headers);
        JsonElement evt = delivery.Json;
        Assert.Equal("/hooks/sora", delivery.Path);
        Assert.StartsWith("evt_", evt.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(delivery.Headers["webhook-id"].ToString(), evt.GetProperty("id").GetString());
        Assert.Equal("event", evt.GetProperty("object").GetString());
        Assert.Equal(Start.AddSeconds(20).ToUnixTimeSeconds(), evt.GetProperty("created_at").GetInt64());
        Assert.Equal("video.completed", evt.GetProperty("type").GetString());
        Assert.Equal(id, evt.GetProperty("data").GetProperty("id").GetString());
        Assert.StartsWith("v1,", delivery.Headers["webhook-signature"].ToString(), StringComparison.Ordinal);
        await WaitForStatAsync(() => Emulator.Stats.WebhooksSent == 1);
    }

    [Fact]
    public async Task Signature_WrongSecret_FailsVerification()
    {
        await CreateIdAsync("tampered");
        Advance(20);
        WebhookReceiver.Delivery delivery = Assert.Single(await Receiver.WaitForAsync(1));

        var other = new StandardWebhook("whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Assert.Throws<WebhookVerificationException>(() => other.Verify(delivery.Body, delivery.Headers));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(Secret).Verify(delivery.Body + " ", delivery.Headers));
    }

    [Fact]
    public async Task FailedVideo_PostsVideoFailedAtFailureTime()
    {
        string id = await CreateIdAsync("doomed [[fail=moderation_blocked]]");
        Advance(10);

        WebhookReceiver.Delivery delivery = Assert.Single(await Receiver.WaitForAsync(1));

        new StandardWebhook(Secret).Verify(delivery.Body, delivery.Headers);
        Assert.Equal("video.failed", delivery.Json.GetProperty("type").GetString());
        Assert.Equal(id, delivery.Json.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(Start.AddSeconds(10).ToUnixTimeSeconds(), delivery.Json.GetProperty("created_at").GetInt64());
    }

    [Fact]
    public async Task NoWebhookDirective_StalledOrDeletedVideos_SendNothing()
    {
        await CreateIdAsync("quiet [[nowebhook]]");
        await CreateIdAsync("forever [[stall]]");
        string deleted = await CreateIdAsync("deleted early");
        using (HttpResponseMessage response = await Client.DeleteAsync(new Uri($"v1/videos/{deleted}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        string loud = await CreateIdAsync("loud");
        Advance(100);

        WebhookReceiver.Delivery delivery = Assert.Single(await Receiver.WaitForAsync(1));
        await Task.Delay(300);
        Assert.Single(Receiver.Deliveries);
        Assert.Equal(loud, delivery.Json.GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task RunwayTasks_SendNoWebhooks()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/text_to_video", UriKind.Relative))
        {
            Content = new StringContent("""{"model":"gen4.5","promptText":"runway","ratio":"1280:720","duration":5}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Runway-Version", "2024-11-06");
        using (HttpResponseMessage response = await Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await CreateIdAsync("sora");
        Advance(20);

        Assert.Single(await Receiver.WaitForAsync(1));
        await Task.Delay(300);
        Assert.Single(Receiver.Deliveries);
    }
}

public sealed class WebhookRetryTests : WebhookTestBase
{
    protected override int ReceiverFailures => 2;

    protected override EmulatorOptions CreateOptions()
    {
        EmulatorOptions options = base.CreateOptions();
        options.WebhookMaxAttempts = 3;
        return options;
    }

    [Fact]
    public async Task ReceiverAnswers500_DeliveryRetriedWithSameIdUntilAccepted()
    {
        await CreateIdAsync("retry me");
        Advance(20);

        // Backoff waits run on the emulator's clock: keep advancing it while waiting for the deliveries.
        IReadOnlyList<WebhookReceiver.Delivery> deliveries = await Receiver.WaitForAsync(3, () => Advance(1));

        Assert.Equal([500, 500, 200], deliveries.Select(d => d.AnsweredStatus));
        Assert.Single(deliveries.Select(d => d.Headers["webhook-id"].ToString()).Distinct());
        Assert.All(deliveries, d => new StandardWebhook(Secret).Verify(d.Body, d.Headers));
        await WaitForStatAsync(() => Emulator.Stats.WebhooksSent == 1);
        Assert.Equal(3, Emulator.Stats.WebhookAttempts);
        Assert.Equal(0, Emulator.Stats.WebhooksFailed);
    }

    [Fact]
    public async Task ReceiverKeepsFailing_GivesUpAfterMaxAttempts()
    {
        Emulator.Options.WebhookMaxAttempts = 2;
        await CreateIdAsync("never accepted");
        Advance(20);

        await Receiver.WaitForAsync(2, () => Advance(1));
        await WaitForStatAsync(() => Emulator.Stats.WebhooksFailed == 1, advance: true);

        Assert.Equal(2, Receiver.Deliveries.Count);
        Assert.Equal(0, Emulator.Stats.WebhooksSent);
    }
}
