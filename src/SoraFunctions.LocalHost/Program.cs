using Microsoft.Extensions.Options;
using SoraFunctions.LocalHost.Cli;
using SoraFunctions.LocalHost.Hosting;
using Spectre.Console;

// The local host: the whole system on one machine (see README.md). `serve` (default) or `run "a prompt"`.
CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (FormatException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}{Environment.NewLine}{Environment.NewLine}{CommandLine.Usage}");
    return ExitCodes.Usage;
}

if (commandLine.Verb == Verb.Help)
{
    Console.WriteLine(CommandLine.Usage);
    return ExitCodes.Success;
}

if (Console.IsOutputRedirected)
{
    // Plain lines for logs and CI: no wrapping at the default 80 columns.
    AnsiConsole.Profile.Width = 500;
}

// Ctrl+C while the stack starts (Azurite install, task hub creation) cancels the start-up cleanly.
using CancellationTokenSource startup = new();
ConsoleCancelEventHandler onCancel = (_, e) =>
{
    e.Cancel = true;
    startup.Cancel();
};
Console.CancelKeyPress += onCancel;

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
finally
{
    Console.CancelKeyPress -= onCancel;
}

await using (host)
{
    try
    {
        return commandLine.Verb == Verb.Run
            ? await Commands.RunAsync(host.App, commandLine.Run!, AnsiConsole.Console)
            : await Commands.ServeAsync(host.App);
    }
    catch (OptionsValidationException ex)
    {
        await Console.Error.WriteLineAsync($"The local host could not start: {string.Join(Environment.NewLine, ex.Failures)}");
        return ExitCodes.StartupFailed;
    }
}
