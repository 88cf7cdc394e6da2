using System.Text.Json.Nodes;
using SoraFunctions.Catalog.Tests.Support;

namespace SoraFunctions.Catalog.Tests;

public sealed class BlobCreatedEventsTests
{
    static readonly Uri SampleUrl = new("https://stsorafunctions.blob.core.windows.net/videos/2026/11/25/job-7f3c2a.mp4");
    const string SampleSubject = "/blobServices/default/containers/videos/blobs/2026/11/25/job-7f3c2a.mp4";

    [Theory]
    [InlineData(Samples.EventGridEvent)]
    [InlineData(Samples.CloudEvent)]
    public void Parse_SampleEvent_ReturnsTheBlob(string sample)
    {
        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvents.Parse(BinaryData.FromString(Samples.Text(sample)));

        BlobCreatedEvent created = Assert.Single(events);
        Assert.Equal("5b1c2d3e-601e-0042-39a1-4f1b2c000000", created.EventId);
        Assert.Equal(SampleSubject, created.Subject);
        Assert.Equal(SampleUrl, created.Url);
        Assert.Equal("videos", created.ContainerName);
        Assert.Equal("2026/11/25/job-7f3c2a.mp4", created.BlobName);
        Assert.Equal(1_843_211, created.ContentLength);
        Assert.Equal("video/mp4", created.ContentType);
        Assert.Equal("PutBlockList", created.Api);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 40, 12, TimeSpan.Zero).AddTicks(3_456_789), created.EventTime);
    }

    [Fact]
    public void Parse_CloudEventsBatch_ReturnsEveryVideo()
    {
        var batch = new JsonArray(
            SampleCloudEvent("a", SampleSubject),
            SampleCloudEvent("b", SampleSubject.Replace("job-7f3c2a", "job-2", StringComparison.Ordinal)));

        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvents.Parse(BinaryData.FromString(batch.ToJsonString()));

        Assert.Equal(["a", "b"], events.Select(e => e.EventId));
        Assert.Equal("2026/11/25/job-2.mp4", events[1].BlobName);
    }

    [Fact]
    public void Parse_SingleEventGridEventWithoutArray_ReturnsTheBlob()
    {
        string single = JsonNode.Parse(Samples.Text(Samples.EventGridEvent))!.AsArray()[0]!.ToJsonString();

        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvents.Parse(BinaryData.FromString(single));

        Assert.Equal(SampleUrl, Assert.Single(events).Url);
    }

    [Theory]
    [InlineData("/blobServices/default/containers/thumbnails/blobs/2026/11/25/job-1.mp4")]
    [InlineData("/blobServices/default/containers/videos/blobs/2026/11/25/job-1.json")]
    [InlineData("/blobServices/default/containers/videos/blobs/2026/11/25/job-1.mp4.part")]
    [InlineData("/blobServices/default/containers/videos2/blobs/job-1.mp4")]
    public void Parse_OtherContainerOrFileType_IsFilteredOutInBothSchemas(string subject)
    {
        var gridBatch = new JsonArray(SampleEventGridEvent("keep", SampleSubject), SampleEventGridEvent("drop", subject));
        var cloudBatch = new JsonArray(SampleCloudEvent("keep", SampleSubject), SampleCloudEvent("drop", subject));

        IReadOnlyList<BlobCreatedEvent> fromGrid = BlobCreatedEvents.Parse(BinaryData.FromString(gridBatch.ToJsonString()));
        IReadOnlyList<BlobCreatedEvent> fromCloud = BlobCreatedEvents.Parse(BinaryData.FromString(cloudBatch.ToJsonString()));

        Assert.Equal("keep", Assert.Single(fromGrid).EventId);
        Assert.Equal("keep", Assert.Single(fromCloud).EventId);
    }

    [Fact]
    public void Parse_OtherEventType_IsFilteredOut()
    {
        JsonObject deleted = SampleEventGridEvent("gone", SampleSubject);
        deleted["eventType"] = "Microsoft.Storage.BlobDeleted";
        deleted["data"]!["api"] = "DeleteBlob";

        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvents.Parse(BinaryData.FromString(new JsonArray(deleted).ToJsonString()));

        Assert.Empty(events);
    }

    [Fact]
    public void Parse_CustomContainer_KeepsOnlyThatContainer()
    {
        string subject = "/blobServices/default/containers/renders/blobs/x.mp4";
        var batch = new JsonArray(SampleEventGridEvent("videos", SampleSubject), SampleEventGridEvent("renders", subject));

        IReadOnlyList<BlobCreatedEvent> events = BlobCreatedEvents.Parse(BinaryData.FromString(batch.ToJsonString()), containerName: "renders");

        Assert.Equal("renders", Assert.Single(events).EventId);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"hello\":\"world\"}")]
    [InlineData("[{\"specversion\":\"1.0\"}]")]
    public void Parse_NotAnEvent_ThrowsFormatException(string body)
    {
        Assert.Throws<FormatException>(() => BlobCreatedEvents.Parse(BinaryData.FromString(body)));
    }

    [Fact]
    public void Parse_EmptyArray_ReturnsNothing()
    {
        Assert.Empty(BlobCreatedEvents.Parse(BinaryData.FromString("[]")));
    }

    [Theory]
    [InlineData("/blobServices/default/containers/videos/blobs/a.mp4", true)]
    [InlineData("/blobServices/default/containers/videos/blobs/2026/11/25/a.MP4", true)]
    [InlineData("/blobServices/default/containers/videos/blobs/a.mov", false)]
    [InlineData("/blobServices/default/containers/other/blobs/a.mp4", false)]
    [InlineData("/blobServices/default/containers/videos/blobs/", false)]
    [InlineData("/blobServices/default/containers/videos/a.mp4", false)]
    [InlineData("videos/a.mp4", false)]
    public void IsVideoSubject_Subject_MatchesTheSubscriptionFilter(string subject, bool expected)
    {
        Assert.Equal(expected, BlobCreatedEvents.IsVideoSubject(subject));
    }

    static JsonObject SampleEventGridEvent(string id, string subject)
    {
        JsonObject gridEvent = JsonNode.Parse(Samples.Text(Samples.EventGridEvent))!.AsArray()[0]!.DeepClone().AsObject();
        gridEvent["id"] = id;
        gridEvent["subject"] = subject;
        return gridEvent;
    }

    static JsonObject SampleCloudEvent(string id, string subject)
    {
        JsonObject cloudEvent = JsonNode.Parse(Samples.Text(Samples.CloudEvent))!.AsObject();
        cloudEvent["id"] = id;
        cloudEvent["subject"] = subject;
        return cloudEvent;
    }
}
