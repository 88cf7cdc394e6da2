namespace SoraFunctions.LocalHost.Cli;

/// <summary>Process exit codes.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int JobFailed = 1;
    public const int Usage = 2;
    public const int StartupFailed = 3;
    public const int Interrupted = 130;
}
