using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using SoraFunctions.LocalHost.Cli;
using SoraFunctions.LocalHost.Hosting;
using Spectre.Console;

// The local host: the whole system on one machine (see README.md). `serve` (default) or `run "a prompt"`.
return await CommandLine.InvokeAsync(args, RunHostAsync);

static async Task<int> RunHostAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    if (Console.IsOutputRedirected)
    {
        // Plain lines for logs and CI: no wrapping at the default 80 columns.
        AnsiConsole.Profile.Width = 500;
    }

    // Ctrl+C or SIGTERM before the app is up (Azurite install, task hub creation, the app's own start) cancels the
    // start-up cleanly; once the app runs, its lifetime reacts to the same signals.
    using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    PosixSignalRegistration[] signals =
    [
        .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            startup.Cancel();
        })),
    ];
    try
    {
        LocalHostApp host;
        LocalHostMode mode = commandLine.Verb == Verb.Run ? LocalHostMode.Run : LocalHostMode.Serve;
        try
        {
            host = await LocalHostApp.CreateAsync([.. commandLine.HostArgs], mode, startup.Token);
        }
        catch (OperationCanceledException) when (startup.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Start-up canceled.");
            return ExitCodes.Interrupted;
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"The local host could not start: {ex.Message}");
            return ExitCodes.StartupFailed;
        }

        await using (host)
        {
            using CancellationTokenRegistration stopApp = startup.Token.Register(host.App.Lifetime.StopApplication);
            try
            {
                return commandLine.Verb == Verb.Run
                    ? await Commands.RunAsync(host.App, commandLine.Run!, AnsiConsole.Console)
                    : await Commands.ServeAsync(host.App);
            }
            catch (OperationCanceledException) when (startup.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("Start-up canceled.");
                return ExitCodes.Interrupted;
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync($"The local host could not start: {string.Join(Environment.NewLine, ex.Failures)}");
                return ExitCodes.StartupFailed;
            }
        }
    }
    finally
    {
        foreach (PosixSignalRegistration signal in signals)
        {
            signal.Dispose();
        }
    }
}
