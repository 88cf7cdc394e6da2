namespace SoraFunctions.Tests;

/// <summary>Short intervals so that orchestrations finish in seconds.</summary>
static class TestPacing
{
    public static JobPacing Fast { get; } = new(
        MinPollInterval: TimeSpan.FromMilliseconds(500),
        MaxPollInterval: TimeSpan.FromSeconds(3),
        Timeout: TimeSpan.FromMinutes(2),
        ChecksPerGeneration: 20,
        CreateMaxAttempts: 5,
        StoreMaxAttempts: 4)
    {
        WholeSecondTimers = true,
        CancelBeforeCreate = true,
        AimAtEnd = true,
    };
}
