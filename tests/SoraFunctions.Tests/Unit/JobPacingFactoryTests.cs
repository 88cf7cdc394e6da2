using Microsoft.Extensions.Options;
using SoraFunctions.Configuration;
using SoraFunctions.Limits;
using SoraFunctions.Provider.Sora;

namespace SoraFunctions.Tests.Unit;

public class JobPacingFactoryTests
{
    static JobPacing Create(PipelineOptions pipeline, LimitsOptions limits, string? webhookSecret = null)
    {
        var provider = new SoraVideoProvider(Moq.Mock.Of<ISoraClient>(), Options.Create(new SoraOptions { WebhookSecret = webhookSecret }));
        return new JobPacingFactory(Options.Create(pipeline), Options.Create(limits), provider).Create();
    }

    [Fact]
    public void Create_NoWebhooks_UsesThePipelineIntervals()
    {
        JobPacing pacing = Create(new PipelineOptions { MinPollSeconds = 2, MaxPollSeconds = 30 }, new LimitsOptions());

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)), (pacing.MinPollInterval, pacing.MaxPollInterval));
        Assert.True(pacing.WholeSecondTimers);
        Assert.True(pacing.CancelBeforeCreate);
    }

    [Fact]
    public void Pacing_FromAHistoryWrittenBeforeWholeSecondTimers_ReadsAsWithout()
    {
        // An input as orchestrations started before the setting existed stored it: they replay their single timers.
        const string Stored = """{"MinPollInterval":"00:00:02","MaxPollInterval":"00:00:30","Timeout":"01:00:00","ChecksPerGeneration":50,"CreateMaxAttempts":4,"StoreMaxAttempts":3,"NeedsAdmission":false}""";

        JobPacing pacing = System.Text.Json.JsonSerializer.Deserialize<JobPacing>(Stored)!;

        Assert.False(pacing.WholeSecondTimers);
        Assert.False(pacing.CancelBeforeCreate);
        Assert.Equal(TimeSpan.FromSeconds(30), pacing.MaxPollInterval);
    }

    [Fact]
    public void Create_WebhooksConfigured_PollingBecomesTheSafetyNet()
    {
        JobPacing pacing = Create(new PipelineOptions { MinPollSeconds = 2, MaxPollSeconds = 30, WebhookPollSeconds = 45 }, new LimitsOptions(), "whsec_" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()));

        Assert.Equal((TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(45)), (pacing.MinPollInterval, pacing.MaxPollInterval));
    }

    [Theory]
    [InlineData(10, 20, true)]
    [InlineData(0, 20, true)]
    [InlineData(10, 0, true)]
    [InlineData(0, 0, false)]
    public void Create_AdmissionOnlyWhenACapOrPacingIsOn(int maxRunningJobs, int createsPerMinute, bool expected)
    {
        JobPacing pacing = Create(new PipelineOptions(), new LimitsOptions { MaxRunningJobs = maxRunningJobs, CreatesPerMinute = createsPerMinute });

        Assert.Equal(expected, pacing.NeedsAdmission);
    }
}
