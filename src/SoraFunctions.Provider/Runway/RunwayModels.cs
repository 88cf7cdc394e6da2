using System.Text.Json.Serialization;

namespace SoraFunctions.Provider.Runway;

/// <summary>The body of <c>POST /v1/text_to_video</c>.</summary>
/// <param name="Duration">Whole seconds (gen4.5: 2–10; veo3.1 and veo3.1_fast: 4, 6 or 8).</param>
/// <param name="Ratio"><c>WIDTH:HEIGHT</c>, for example <c>1280:720</c>.</param>
public sealed record RunwayTextToVideoRequest(string Model, string PromptText, string Ratio, int Duration)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Seed { get; init; }
}

/// <summary>The body of <c>POST /v1/image_to_video</c>.</summary>
/// <param name="PromptImage">An https URL or a <c>data:</c> URI of the first frame.</param>
public sealed record RunwayImageToVideoRequest(string Model, string PromptImage, string Ratio, int Duration)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PromptText { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Seed { get; init; }
}

/// <summary>What a create answers: the task to follow.</summary>
public sealed record RunwayTaskCreated(string Id);

/// <summary>
/// <c>GET /v1/tasks/{id}</c>: <see cref="Status"/> is <c>PENDING</c>, <c>THROTTLED</c>, <c>RUNNING</c>, <c>SUCCEEDED</c>,
/// <c>FAILED</c> or <c>CANCELLED</c>; <see cref="Progress"/> is 0..1 while running; <see cref="Output"/> holds pre-signed
/// URLs (valid for a day or two) once it succeeded; <see cref="FailureCode"/> is dotted, e.g. <c>SAFETY.INPUT.TEXT</c>.
/// </summary>
public sealed record RunwayTask(string Id, string Status)
{
    public DateTimeOffset? CreatedAt { get; init; }

    public double? Progress { get; init; }

    public IReadOnlyList<string>? Output { get; init; }

    public string? Failure { get; init; }

    public string? FailureCode { get; init; }
}
