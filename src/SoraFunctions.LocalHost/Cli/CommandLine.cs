namespace SoraFunctions.LocalHost.Cli;

/// <summary>The verbs of the local host's command line.</summary>
public enum Verb
{
    /// <summary>Start the stack and keep the API up (the default).</summary>
    Serve,

    /// <summary>Start the stack, make one video from a prompt, save it and exit.</summary>
    Run,

    /// <summary>Print usage.</summary>
    Help,
}

/// <summary>A parsed command line: the verb, the <c>run</c> options, and everything else for the web host.</summary>
public sealed record CommandLine(Verb Verb, RunArguments? Run, IReadOnlyList<string> HostArgs)
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        Usage:
          SoraFunctions.LocalHost [serve] [--urls http://127.0.0.1:7071] [--Key=Value ...]
          SoraFunctions.LocalHost run "a prompt" [--model sora-2] [--seconds 4] [--size 720x1280] [--out file.mp4] [--urls ...]

        serve   starts the stack and keeps the HTTP API up (Ctrl+C stops it).
        run     starts the stack, submits the prompt, shows progress, saves the MP4 (default ./{jobId}.mp4).
        Any other --Key=Value (or environment variable Key__Sub) is configuration, e.g. --Sora:BaseUrl=...
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a message on misuse.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0].StartsWith('-') && args[0] is not ("-h" or "--help"))
        {
            return new CommandLine(Verb.Serve, null, [.. args]);
        }

        return args[0] switch
        {
            "serve" => new CommandLine(Verb.Serve, null, [.. args.Skip(1)]),
            "run" => ParseRun(args),
            "help" or "-h" or "--help" => new CommandLine(Verb.Help, null, []),
            _ => throw new FormatException($"Unknown command '{args[0]}'."),
        };
    }

    private static CommandLine ParseRun(IReadOnlyList<string> args)
    {
        string? prompt = null;
        string? model = null;
        string? seconds = null;
        string? size = null;
        string? output = null;
        List<string> hostArgs = [];
        for (int i = 1; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--model":
                    model = ValueOf(args, ref i);
                    break;
                case "--seconds":
                    seconds = ValueOf(args, ref i);
                    break;
                case "--size":
                    size = ValueOf(args, ref i);
                    break;
                case "--out":
                    output = ValueOf(args, ref i);
                    break;
                default:
                    if (!arg.StartsWith('-') && prompt is null)
                    {
                        prompt = arg;
                    }
                    else if (arg.StartsWith('-'))
                    {
                        hostArgs.Add(arg);
                        if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                        {
                            hostArgs.Add(args[++i]);
                        }
                    }
                    else
                    {
                        throw new FormatException($"Unexpected argument '{arg}': put the prompt in quotes.");
                    }

                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new FormatException("run needs a prompt: run \"a prompt\".");
        }

        return new CommandLine(Verb.Run, new RunArguments(prompt, model, seconds, size, output), hostArgs);
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new FormatException($"{args[i]} needs a value.");
        }

        return args[++i];
    }
}

/// <summary>What <c>run</c> submits, and where it saves the video (null: <c>./{jobId}.mp4</c>).</summary>
public sealed record RunArguments(string Prompt, string? Model, string? Seconds, string? Size, string? OutputFile);
