namespace SoraEmulator.Tests;

public sealed class InFlightTests : RunwayTestBase
{
    [Fact]
    public async Task MaxInFlight_OverlappingJobsOfBothFaces_CountsThePeak()
    {
        await CreateIdAsync("sora one");
        Advance(5);
        await CreateTaskAsync("runway one");
        await CreateTaskAsync("runway two [[render=10]]");

        Assert.Equal(3, Emulator.Stats.InFlight);
        Advance(10);
        Assert.Equal(2, Emulator.Stats.InFlight);
        Advance(5);
        Assert.Equal(1, Emulator.Stats.InFlight);
        Advance(5);

        Assert.Equal(0, Emulator.Stats.InFlight);
        Assert.Equal(3, Emulator.Stats.MaxInFlight);
        using HttpResponseMessage response = await GetAsync("_emulator/stats");
        JsonElement stats = await ReadJsonAsync(response);
        Assert.Equal(3, stats.GetProperty("maxInFlight").GetInt32());
        Assert.Equal(0, stats.GetProperty("inFlight").GetInt32());
    }

    [Fact]
    public async Task MaxInFlight_JobCreatedAsAnotherEnds_DoesNotOverlap()
    {
        await CreateTaskAsync("first");
        Advance(20);
        await CreateIdAsync("second");
        Advance(20);
        await CreateTaskAsync("third [[fail=INTERNAL]]");
        Advance(10);
        await CreateTaskAsync("fourth");

        Assert.Equal(1, Emulator.Stats.MaxInFlight);
    }

    [Fact]
    public async Task InFlight_DeletedOrFailedJobs_AreNoLongerCounted()
    {
        string soraId = await CreateIdAsync("deleted sora");
        string runwayId = await CreateTaskAsync("deleted runway");
        await CreateTaskAsync("fails [[fail=SAFETY.INPUT.TEXT]]");
        await CreateTaskAsync("stalls [[stall]]");
        Assert.Equal(4, Emulator.Stats.InFlight);

        using (HttpResponseMessage deleteSora = await Client.DeleteAsync(new Uri($"v1/videos/{soraId}", UriKind.Relative)))
        using (HttpResponseMessage deleteRunway = await SendRunwayAsync(HttpMethod.Delete, $"v1/tasks/{runwayId}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleteSora.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, deleteRunway.StatusCode);
        }

        Assert.Equal(2, Emulator.Stats.InFlight);
        Advance(10);
        Assert.Equal(1, Emulator.Stats.InFlight);
        Assert.Equal(4, Emulator.Stats.MaxInFlight);
    }

    [Fact]
    public async Task Reset_ForgetsInFlightAndPeak()
    {
        await CreateTaskAsync("one");
        await CreateTaskAsync("two");

        Emulator.Reset();

        Assert.Equal(0, Emulator.Stats.InFlight);
        Assert.Equal(0, Emulator.Stats.MaxInFlight);
    }
}
