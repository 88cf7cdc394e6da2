using SoraFunctions.LocalHost.Cli;

namespace SoraFunctions.EndToEnd.Tests.LocalHost;

/// <summary>The local host's verbs, options and configuration passthrough, parsed without starting anything.</summary>
public class CommandLineTests
{
    sealed record Outcome(int ExitCode, CommandLine? Parsed, string Output, string Error);

    static async Task<Outcome> Invoke(params string[] args)
    {
        CommandLine? parsed = null;
        using StringWriter output = new();
        using StringWriter error = new();
        int exitCode = await CommandLine.InvokeAsync(
            args,
            (commandLine, _) =>
            {
                parsed = commandLine;
                return Task.FromResult(ExitCodes.Success);
            },
            output,
            error);
        return new Outcome(exitCode, parsed, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task InvokeAsync_NoArguments_Serves()
    {
        Outcome outcome = await Invoke();

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal(Verb.Serve, outcome.Parsed!.Verb);
        Assert.Null(outcome.Parsed.Run);
        Assert.Empty(outcome.Parsed.HostArgs);
    }

    [Fact]
    public async Task InvokeAsync_OptionsWithoutVerb_ServeAndReachTheWebHost()
    {
        Outcome outcome = await Invoke("--urls", "http://127.0.0.1:8080", "--Sora:BaseUrl=http://gateway/v1", "--Pipeline:MinPollSeconds", "1");

        Assert.Equal(Verb.Serve, outcome.Parsed!.Verb);
        Assert.Equal(
            ["--urls", "http://127.0.0.1:8080", "--Sora:BaseUrl=http://gateway/v1", "--Pipeline:MinPollSeconds", "1"],
            outcome.Parsed.HostArgs);
    }

    [Fact]
    public async Task InvokeAsync_Serve_UrlsAndConfiguration_ReachTheWebHost()
    {
        Outcome outcome = await Invoke("serve", "--DurableTask:HubName=Other", "--urls", "http://127.0.0.1:9090");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal(Verb.Serve, outcome.Parsed!.Verb);
        Assert.Equal(["--urls", "http://127.0.0.1:9090", "--DurableTask:HubName=Other"], outcome.Parsed.HostArgs);
    }

    [Fact]
    public async Task InvokeAsync_Run_PromptAndEveryOption_AreParsed()
    {
        Outcome outcome = await Invoke(
            "run", "a red fox in the snow", "--model", "sora-2-pro", "--seconds", "8", "--size", "1280x720", "--out", "fox.mp4", "--urls", "http://127.0.0.1:7072");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal(Verb.Run, outcome.Parsed!.Verb);
        Assert.Equal(new RunArguments("a red fox in the snow", "sora-2-pro", "8", "1280x720", "fox.mp4"), outcome.Parsed.Run);
        Assert.Equal(["--urls", "http://127.0.0.1:7072"], outcome.Parsed.HostArgs);
    }

    [Fact]
    public async Task InvokeAsync_Run_OptionsBeforeThePromptAndWithEquals_AreParsed()
    {
        Outcome outcome = await Invoke("run", "--model=sora-2", "--seconds", "4", "[[render=5]] a fox");

        Assert.Equal(new RunArguments("[[render=5]] a fox", "sora-2", "4", null, null), outcome.Parsed!.Run);
    }

    [Fact]
    public async Task InvokeAsync_Run_ConfigurationWithASeparateValue_IsNotTakenForThePrompt()
    {
        Outcome outcome = await Invoke("run", "--Sora:BaseUrl", "http://gateway/v1", "a fox", "--Emulator:RenderSeconds=5");

        Assert.Equal("a fox", outcome.Parsed!.Run!.Prompt);
        Assert.Equal(["--Sora:BaseUrl", "http://gateway/v1", "--Emulator:RenderSeconds=5"], outcome.Parsed.HostArgs);
    }

    [Fact]
    public async Task InvokeAsync_Run_PromptStartingWithAt_IsAPromptNotAResponseFile()
    {
        Outcome outcome = await Invoke("run", "@home a cat sleeps");

        Assert.Equal("@home a cat sleeps", outcome.Parsed!.Run!.Prompt);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "   ")]
    [InlineData("run", "a fox", "another word")]
    [InlineData("run", "a fox", "--model")]
    [InlineData("render", "a fox")]
    [InlineData("-x")]
    public async Task InvokeAsync_Misuse_IsAUsageErrorAndStartsNothing(params string[] args)
    {
        Outcome outcome = await Invoke(args);

        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        Assert.Null(outcome.Parsed);
        Assert.NotEqual(string.Empty, outcome.Error.Trim());
    }

    [Fact]
    public async Task InvokeAsync_UnknownVerb_NamesIt()
    {
        Outcome outcome = await Invoke("render");

        Assert.Contains("'render'", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("--help", outcome.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task InvokeAsync_RootHelp_ListsTheVerbsAndStartsNothing(string arg)
    {
        Outcome outcome = await Invoke(arg);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Null(outcome.Parsed);
        Assert.Contains("serve", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("run <prompt>", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("--urls", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("--Key=Value", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RunHelp_ListsItsOptions()
    {
        Outcome outcome = await Invoke("run", "--help");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Null(outcome.Parsed);
        foreach (string option in new[] { "<prompt>", "--model", "--seconds", "--size", "--out", "--urls" })
        {
            Assert.Contains(option, outcome.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task InvokeAsync_ServeHelp_ListsItsOptions()
    {
        Outcome outcome = await Invoke("serve", "--help");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Null(outcome.Parsed);
        Assert.Contains("--urls", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_ExitCodeOfTheCommand_IsTheProcessExitCode()
    {
        int exitCode = await CommandLine.InvokeAsync(["run", "a fox"], (_, _) => Task.FromResult(ExitCodes.JobFailed), TextWriter.Null, TextWriter.Null);

        Assert.Equal(ExitCodes.JobFailed, exitCode);
    }
}
