using System.CommandLine;
using System.CommandLine.Parsing;

namespace SoraFunctions.LocalHost.Cli;

/// <summary>The verbs of the local host's command line.</summary>
public enum Verb
{
    /// <summary>Start the stack and keep the API up (the default).</summary>
    Serve,

    /// <summary>Start the stack, make one video from a prompt, save it and exit.</summary>
    Run,
}

/// <summary>A parsed command line: the verb, the <c>run</c> options, and everything else for the web host.</summary>
public sealed record CommandLine(Verb Verb, RunArguments? Run, IReadOnlyList<string> HostArgs)
{
    const string UrlsName = "--urls";
    const string ModelName = "--model";
    const string SecondsName = "--seconds";
    const string SizeName = "--size";
    const string OutName = "--out";
    const string ImageName = "--image";
    const string CountName = "--count";

    // Option names the parser owns; any other "--Name" token is configuration for the web host.
    static readonly HashSet<string> ParserOptionNames = new(StringComparer.Ordinal)
    {
        UrlsName, ModelName, SecondsName, SizeName, OutName, ImageName, CountName, "--help", "--version",
    };

    /// <summary>
    /// Parses <paramref name="args"/> and runs <paramref name="execute"/> with the result, or prints help (exit 0)
    /// or a usage error (<see cref="ExitCodes.Usage"/>) without running it.
    /// </summary>
    public static async Task<int> InvokeAsync(
        IReadOnlyList<string> args,
        Func<CommandLine, CancellationToken, Task<int>> execute,
        TextWriter? output = null,
        TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(execute);
        output ??= Console.Out;
        error ??= Console.Error;

        (List<string> parserArgs, List<string> configurationArgs) = SplitConfiguration(args);
        RootCommand root = CreateRootCommand(execute, configurationArgs, output, error);

        // A prompt may start with '@'; it is never a response file.
        ParseResult parsed = root.Parse(parserArgs, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            foreach (ParseError parseError in parsed.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            await error.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        // The host handles Ctrl+C and SIGTERM itself and stops cleanly; the parser must not end the process first.
        InvocationConfiguration invocation = new() { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await parsed.InvokeAsync(invocation, cancellationToken);
    }

    static RootCommand CreateRootCommand(
        Func<CommandLine, CancellationToken, Task<int>> execute, List<string> configurationArgs, TextWriter output, TextWriter error)
    {
        RootCommand root = new("""
            SoraFunctions local host: the whole pipeline on one machine.
            Any other --Key=Value (or --Key Value, or environment variable Key__Sub) is configuration, e.g. --Sora:BaseUrl=...
            """);
        root.Directives.Clear();

        Option<string> rootUrls = UrlsOption();
        root.Options.Add(rootUrls);
        root.SetAction((parsed, ct) => execute(new CommandLine(Verb.Serve, null, HostArgsOf(parsed, rootUrls, configurationArgs)), ct));

        Option<string> serveUrls = UrlsOption();
        Command serve = new("serve", "Start the stack and keep the HTTP API up (the default; Ctrl+C stops it).") { serveUrls };
        serve.SetAction((parsed, ct) => execute(new CommandLine(Verb.Serve, null, HostArgsOf(parsed, serveUrls, configurationArgs)), ct));
        root.Subcommands.Add(serve);

        Argument<string> prompt = new("prompt") { Description = "What the video shows; put it in quotes." };
        Option<string> model = new(ModelName) { Description = "The model, e.g. sora-2 or sora-2-pro.", HelpName = "model" };
        Option<string> seconds = new(SecondsName) { Description = "The duration in seconds, e.g. 4.", HelpName = "seconds" };
        Option<string> size = new(SizeName) { Description = "The size, e.g. 720x1280.", HelpName = "size" };
        Option<string> outFile = new(OutName) { Description = "Where to save the MP4 (default ./{jobId}.mp4).", HelpName = "file.mp4" };
        Option<string> runUrls = UrlsOption();
        Option<FileInfo> image = new(ImageName) { Description = "A JPEG, PNG or WebP still to animate (image-to-video); its size must equal --size.", HelpName = "still.png" };
        Option<int> count = new(CountName) { Description = "Make N variations of the prompt as one batch (progress per item; --out names a folder).", HelpName = "N", DefaultValueFactory = _ => 1 };
        count.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--count must be 1 or more.");
            }
        });
        Command run = new("run", "Start the stack, submit the prompt, show progress and save the MP4.")
        {
            prompt, model, seconds, size, outFile, image, count, runUrls,
        };
        run.SetAction(async (parsed, ct) =>
        {
            string text = parsed.GetRequiredValue(prompt);
            if (string.IsNullOrWhiteSpace(text))
            {
                await error.WriteLineAsync("run needs a prompt: run \"a prompt\".");
                return ExitCodes.Usage;
            }

            RunArguments arguments = new(text, parsed.GetValue(model), parsed.GetValue(seconds), parsed.GetValue(size), parsed.GetValue(outFile))
            {
                ImagePath = parsed.GetValue(image)?.FullName,
                Count = parsed.GetValue(count),
            };
            return await execute(new CommandLine(Verb.Run, arguments, HostArgsOf(parsed, runUrls, configurationArgs)), ct);
        });
        root.Subcommands.Add(run);

        Argument<string> sourceJob = new("jobId") { Description = "The completed job whose video to remix (on the storage this host uses)." };
        Argument<string> remixPrompt = new("prompt") { Description = "What to change; put it in quotes." };
        Option<string> remixOut = new(OutName) { Description = "Where to save the MP4 (default ./{jobId}.mp4).", HelpName = "file.mp4" };
        Option<string> remixUrls = UrlsOption();
        Command remix = new("remix", "Start the stack, remix a completed job's video with a new prompt, and save the MP4.")
        {
            sourceJob, remixPrompt, remixOut, remixUrls,
        };
        remix.SetAction(async (parsed, ct) =>
        {
            RunArguments arguments = new(parsed.GetRequiredValue(remixPrompt), null, null, null, parsed.GetValue(remixOut)) { RemixOf = parsed.GetRequiredValue(sourceJob) };
            return await execute(new CommandLine(Verb.Run, arguments, HostArgsOf(parsed, remixUrls, configurationArgs)), ct);
        });
        root.Subcommands.Add(remix);

        // `help` was a verb before --help was; it stays one.
        Command help = new("help", "Show this help.");
        help.SetAction(_ => root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output, Error = error }));
        root.Subcommands.Add(help);
        return root;
    }

    static Option<string> UrlsOption() => new(UrlsName)
    {
        Description = "Where the HTTP API listens (default http://127.0.0.1:7071).",
        HelpName = "url",
    };

    static List<string> HostArgsOf(ParseResult parsed, Option<string> urls, List<string> configurationArgs)
    {
        List<string> hostArgs = [];
        if (parsed.GetValue(urls) is { } value)
        {
            hostArgs.Add(UrlsName);
            hostArgs.Add(value);
        }

        hostArgs.AddRange(configurationArgs);
        return hostArgs;
    }

    // Configuration arguments name keys the parser cannot know (--Section:Key=Value, or --Key Value as the web
    // host reads them), so they are taken out before parsing; a following value belongs to them when the
    // argument has no '='.
    static (List<string> ParserArgs, List<string> ConfigurationArgs) SplitConfiguration(IReadOnlyList<string> args)
    {
        List<string> parserArgs = [];
        List<string> configurationArgs = [];
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg.Split('=', 2)[0];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2 || ParserOptionNames.Contains(name))
            {
                parserArgs.Add(arg);
                continue;
            }

            configurationArgs.Add(arg);
            if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
            {
                configurationArgs.Add(args[++i]);
            }
        }

        return (parserArgs, configurationArgs);
    }
}

/// <summary>What <c>run</c> submits, and where it saves the video (null: <c>./{jobId}.mp4</c>).</summary>
public sealed record RunArguments(string Prompt, string? Model, string? Seconds, string? Size, string? OutputFile)
{
    /// <summary>A still to animate (image-to-video), sent as the multipart file <c>input_reference</c>.</summary>
    public string? ImagePath { get; init; }

    /// <summary>How many variations; more than one is a batch.</summary>
    public int Count { get; init; } = 1;

    /// <summary>The job to remix instead of making a video from the prompt alone.</summary>
    public string? RemixOf { get; init; }
}
