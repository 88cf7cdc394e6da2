using Azure.Data.Tables;
using SoraFunctions.Storage;

namespace SoraFunctions.Tests.Integration;

/// <summary>The create activity's per-job record against Azurite's table service.</summary>
[Collection(PipelineTestGroup.Name)]
public class CreateAttemptsTests(PipelineFixture fixture)
{
    [Fact]
    public async Task SaveFindClear_KeepsOneRowPerJobUntilClearedAndClearingTwiceIsHarmless()
    {
        var attempts = new CreateAttempts(new TableServiceClient(fixture.Azurite.ConnectionString));
        string job = $"job-{Guid.NewGuid():N}";
        string other = $"job-{Guid.NewGuid():N}";
        DateTimeOffset startedAt = new(2026, 11, 30, 12, 0, 0, 250, TimeSpan.Zero);
        var pending = new CreateAttempt(startedAt, "spec", null);

        CreateAttempt? before = await attempts.FindAsync(job, default);
        await attempts.SaveAsync(job, pending, default);
        await attempts.SaveAsync(other, new CreateAttempt(startedAt.AddMinutes(1), "other", null), default);
        CreateAttempt? started = await attempts.FindAsync(job, default);
        await attempts.SaveAsync(job, pending with { VideoId = "video_1" }, default);
        CreateAttempt? done = await attempts.FindAsync(job, default);
        await attempts.ClearAsync(job, default);
        await attempts.ClearAsync(job, default);

        Assert.Null(before);
        Assert.Equal(pending, started);
        Assert.Equal(pending with { VideoId = "video_1" }, done);
        Assert.Null(await attempts.FindAsync(job, default));
        Assert.Equal(new CreateAttempt(startedAt.AddMinutes(1), "other", null), await attempts.FindAsync(other, default));
    }

    [Fact]
    public void Fingerprint_DiffersForEveryPartOfTheRequest()
    {
        var spec = new VideoSpec("a fox", "sora-2", "4", "720x1280");

        string[] prints =
        [
            CreateAttempts.Fingerprint(spec, null, null),
            CreateAttempts.Fingerprint(spec with { Prompt = "a fox!" }, null, null),
            CreateAttempts.Fingerprint(spec with { Model = "sora-2-pro" }, null, null),
            CreateAttempts.Fingerprint(spec with { Seconds = "8" }, null, null),
            CreateAttempts.Fingerprint(spec with { Size = "1280x720" }, null, null),
            CreateAttempts.Fingerprint(spec, "video_src", null),
            CreateAttempts.Fingerprint(spec, null, "inputs/a.png"),
        ];

        Assert.Equal(prints.Length, prints.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(prints[0], CreateAttempts.Fingerprint(spec with { }, null, null));
    }
}
