using System.Globalization;
using System.Text.RegularExpressions;
using SoraEmulator.Media;

namespace SoraEmulator.Jobs;

/// <summary>
/// Faults and timings requested through <c>[[name]]</c> or <c>[[name=value]]</c> markers in a prompt.
/// </summary>
sealed partial record PromptDirectives
{
    public static PromptDirectives None { get; } = new();

    public double? RenderSeconds { get; init; }
    public int? PollAfterMs { get; init; }
    public string? FailCode { get; init; }
    public bool Stall { get; init; }
    public int Create429 { get; init; }
    public int Create500 { get; init; }
    public int Create503 { get; init; }
    public int CreateLost { get; init; }

    /// <summary>Seconds (emulator clock) a create waits, the job already made, before it answers.</summary>
    public double? CreateDelaySeconds { get; init; }

    public int RetryAfterSeconds { get; init; } = 1;
    public int Get429 { get; init; }
    public int Get500 { get; init; }
    public int Get503 { get; init; }
    public int Reset { get; init; }
    public int Truncate { get; init; }
    public int Content404 { get; init; }
    public long? Bytes { get; init; }
    public bool Redirect { get; init; }
    public double? ThrottledSeconds { get; init; }
    public bool NoWebhook { get; init; }

    /// <summary>The fault for the <paramref name="attempt"/>-th create (1-based) with this prompt.</summary>
    /// <remarks>Faults follow one another in this order: 429s, then 503s, then 500s, then lost creates.</remarks>
    public CreateFault CreateFaultFor(int attempt) =>
        Pick(attempt, (Create429, CreateFault.RateLimited), (Create503, CreateFault.Unavailable),
            (Create500, CreateFault.ServerError), (CreateLost, CreateFault.Lost), CreateFault.None);

    /// <summary>The fault for the <paramref name="attempt"/>-th retrieve (1-based) of a video.</summary>
    /// <remarks>429s first, then 503s, then 500s.</remarks>
    public RetrieveFault RetrieveFaultFor(int attempt) =>
        Pick(attempt, (Get429, RetrieveFault.RateLimited), (Get503, RetrieveFault.Unavailable),
            (Get500, RetrieveFault.ServerError), (0, RetrieveFault.None), RetrieveFault.None);

    /// <summary>The fault for the <paramref name="attempt"/>-th download (1-based) of a video.</summary>
    /// <remarks>Connection resets first, then truncated bodies.</remarks>
    public DownloadFault DownloadFaultFor(int attempt) =>
        Pick(attempt, (Reset, DownloadFault.Reset), (Truncate, DownloadFault.Truncate),
            (0, DownloadFault.None), (0, DownloadFault.None), DownloadFault.None);

    static T Pick<T>(int attempt, (int Count, T Fault) a, (int Count, T Fault) b, (int Count, T Fault) c,
        (int Count, T Fault) d, T none)
    {
        int limit = 0;
        foreach ((int count, T? fault) in new[] { a, b, c, d })
        {
            limit += count;
            if (attempt <= limit)
            {
                return fault;
            }
        }

        return none;
    }

    /// <summary>Reads every directive of <paramref name="prompt"/>; <paramref name="error"/> names the first bad one.</summary>
    public static bool TryParse(string prompt, out PromptDirectives directives, out string? error)
    {
        directives = None;
        error = null;
        var result = new PromptDirectives();
        foreach (Match match in DirectivePattern().Matches(prompt))
        {
            string name = match.Groups["name"].Value.ToUpperInvariant();
            string? value = match.Groups["value"].Success ? match.Groups["value"].Value.Trim() : null;
            PromptDirectives? applied = name switch
            {
                "RENDER" => Double(value, 0, out double v) ? result with { RenderSeconds = v } : null,
                "POLLAFTER" => Int(value, 0, out int v) ? result with { PollAfterMs = v } : null,
                "FAIL" => !string.IsNullOrWhiteSpace(value) ? result with { FailCode = value } : null,
                "STALL" => value is null ? result with { Stall = true } : null,
                "CREATE429" => Int(value, 0, out int v) ? result with { Create429 = v } : null,
                "CREATE500" => Int(value, 0, out int v) ? result with { Create500 = v } : null,
                "CREATE503" => Int(value, 0, out int v) ? result with { Create503 = v } : null,
                "CREATELOST" => Int(value, 0, out int v) ? result with { CreateLost = v } : null,
                "CREATEDELAY" => Double(value, 0, out double v) ? result with { CreateDelaySeconds = v } : null,
                "RETRYAFTER" => Int(value, 0, out int v) ? result with { RetryAfterSeconds = v } : null,
                "GET429" => Int(value, 0, out int v) ? result with { Get429 = v } : null,
                "GET500" => Int(value, 0, out int v) ? result with { Get500 = v } : null,
                "GET503" => Int(value, 0, out int v) ? result with { Get503 = v } : null,
                "RESET" => Int(value, 0, out int v) ? result with { Reset = v } : null,
                "TRUNCATE" => Int(value, 0, out int v) ? result with { Truncate = v } : null,
                "CONTENT404" => Int(value, 0, out int v) ? result with { Content404 = v } : null,
                "BYTES" => Long(value, SyntheticMp4.MinimumLength, out long v) ? result with { Bytes = v } : null,
                "REDIRECT" => value is null ? result with { Redirect = true } : null,
                "THROTTLED" => Double(value, 0, out double v) ? result with { ThrottledSeconds = v } : null,
                "NOWEBHOOK" => value is null ? result with { NoWebhook = true } : null,
                _ => null,
            };
            if (applied is null)
            {
                error = string.Create(CultureInfo.InvariantCulture,
                    $"Invalid emulator directive '{match.Value}'. See the emulator README for names and values " +
                    $"(bytes needs at least {SyntheticMp4.MinimumLength}).");
                return false;
            }

            result = applied;
        }

        directives = result;
        return true;
    }

    static bool Double(string? text, double min, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value) && value >= min;

    static bool Int(string? text, int min, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min;

    static bool Long(string? text, long min, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min;

    [GeneratedRegex(@"\[\[\s*(?<name>[A-Za-z0-9_]+)\s*(?:=(?<value>[^\]]*))?\]\]", RegexOptions.CultureInvariant)]
    private static partial Regex DirectivePattern();
}

enum CreateFault
{
    None,
    RateLimited,
    Unavailable,
    ServerError,
    Lost,
}

enum RetrieveFault
{
    None,
    RateLimited,
    Unavailable,
    ServerError,
}

enum DownloadFault
{
    None,
    Reset,
    Truncate,
}
