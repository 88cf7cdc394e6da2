namespace SoraFunctions.LocalHost.Hosting;

/// <summary>How the host is used: a long-running API (<c>serve</c>) or one job from the command line (<c>run</c>).</summary>
public enum LocalHostMode
{
    /// <summary>Keep the API up for other clients; the app logs what each job does.</summary>
    Serve,

    /// <summary>Submit one prompt and show its progress; only warnings are logged besides the start-up lines.</summary>
    Run,
}
