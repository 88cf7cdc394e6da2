using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.Limits;

/// <summary>
/// The brakes on load and money (configuration section <c>Limits</c>). Their state lives in one Azure table so
/// that every instance of both hosts sees the same counts.
/// </summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Provider jobs in flight across every instance; 0 means no cap (nothing is recorded then).</summary>
    // One table row per slot, all in one partition that every acquire reads: a thousand is already far past any
    // provider's concurrency limit.
    [Range(0, 1000, ErrorMessage = "Limits:MaxRunningJobs must be between {1} and {2} (0 = no cap).")]
    public int MaxRunningJobs { get; set; } = 10;

    /// <summary>Provider creates per minute across every instance (also the burst); 0 means unpaced.</summary>
    [Range(0, 100_000, ErrorMessage = "Limits:CreatesPerMinute must be between {1} and {2} (0 = unlimited).")]
    public int CreatesPerMinute { get; set; } = 20;

    /// <summary>What one caller may spend per UTC day, in US dollars; null turns the budget off.</summary>
    [Range(typeof(decimal), "0", "1000000", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = "Limits:CallerDailyUsd must be between {1} and {2} US dollars, or unset to turn the caller budget off.")]
    public decimal? CallerDailyUsd { get; set; }

    /// <summary>What all callers together may spend per UTC day, in US dollars; null turns the budget off.</summary>
    [Range(typeof(decimal), "0", "10000000", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = "Limits:DailyUsd must be between {1} and {2} US dollars, or unset to turn the overall budget off.")]
    public decimal? DailyUsd { get; set; }

    /// <summary>Most jobs one batch may hold.</summary>
    [Range(1, 1000, ErrorMessage = "Limits:MaxBatchItems must be between {1} and {2}.")]
    public int MaxBatchItems { get; set; } = 50;

    /// <summary>
    /// How often the local host looks for jobs that ended without their own code running (terminated by an operator, or
    /// failed by a crash) to free their slots and refund charges no provider video was made for; 0 turns it off. The
    /// Azure Functions app runs the same pass on a five-minute timer (off when this is 0).
    /// </summary>
    [Range(0, 86_400, ErrorMessage = "Limits:ReconcileSeconds must be between {1} and {2} (0 = off).")]
    public int ReconcileSeconds { get; set; } = 300;

    /// <summary>
    /// How long after such a job ended its charge is refunded: a create activity already sent to a queue can still run
    /// after its orchestration was terminated, and its record of the create is what keeps the charge.
    /// </summary>
    [Range(0, 86_400, ErrorMessage = "Limits:RefundGraceSeconds must be between {1} and {2}.")]
    public int RefundGraceSeconds { get; set; } = 600;

    /// <summary>The table holding slots, waiters, the create bucket and the spend ledger.</summary>
    [Required(ErrorMessage = "Limits:TableName is required.")]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Limits:TableName must be a valid table name (3-63 letters and digits, starting with a letter).")]
    public string TableName { get; set; } = "sorolimits";
}
