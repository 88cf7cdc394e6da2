using System.Text.Json;
using Microsoft.DurableTask.Converters;

namespace SoraFunctions.Tests.Unit;

public class GetVideoInputTests
{
    static readonly StoreVideoInput Store = new("job-1", "video_1", "2026/11/30/job-1.mp4", new VideoSpec(string.Empty, "sora-2", "4", "720x1280"))
    {
        Renditions = ["poster"],
        Metadata = new Dictionary<string, string> { ["costusd"] = "0.40" },
    };

    [Fact]
    public void Read_TheBareVideoIdOfAnOlderHistory_IsACheckWithoutAStore()
    {
        GetVideoInput input = JsonDataConverter.Default.Deserialize<GetVideoInput>("\"video_1\"")!;

        Assert.Equal("video_1", input.ProviderVideoId);
        Assert.Null(input.StoreIfCompleted);
    }

    public static TheoryData<string> Options => ["engine", "web"];

    [Theory]
    [MemberData(nameof(Options))]
    public void RoundTrip_WithTheEnginesAndTheWorkersOptions_KeepsTheStoreTheAimedTimeAndTheLastReading(string options)
    {
        var aimedAt = new DateTime(2026, 12, 1, 9, 30, 4, 250, DateTimeKind.Utc);
        var original = new GetVideoInput("video_1") { StoreIfCompleted = Store, NotBefore = aimedAt, LastReading = new ProgressReading(60, aimedAt.AddSeconds(-3)) };

        GetVideoInput copy = options == "engine"
            ? JsonDataConverter.Default.Deserialize<GetVideoInput>(JsonDataConverter.Default.Serialize(original))!
            : JsonSerializer.Deserialize<GetVideoInput>(JsonSerializer.Serialize(original, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;

        Assert.Equal("video_1", copy.ProviderVideoId);
        Assert.Equal(aimedAt, copy.NotBefore!.Value.ToUniversalTime());
        Assert.Equal((60, aimedAt.AddSeconds(-3)), (copy.LastReading!.Progress, copy.LastReading.At.ToUniversalTime()));
        StoreVideoInput store = copy.StoreIfCompleted!;
        Assert.Equal((Store.JobId, Store.ProviderVideoId, Store.BlobName, Store.Spec), (store.JobId, store.ProviderVideoId, store.BlobName, store.Spec));
        Assert.Equal(["poster"], store.Renditions);
        Assert.Equal("0.40", store.Metadata["costusd"]);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"providerVideoId\":\"\"}")]
    public void Read_WithoutAVideoId_IsRefused(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonDataConverter.Default.Deserialize<GetVideoInput>(json));
}
