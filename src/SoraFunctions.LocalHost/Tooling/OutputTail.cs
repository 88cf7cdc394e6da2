namespace SoraFunctions.LocalHost.Tooling;

/// <summary>Keeps the last lines a child process printed, for error messages. Thread-safe.</summary>
sealed class OutputTail(int capacity)
{
    readonly Queue<string> lines = new();
    readonly Lock gate = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            lines.Enqueue(line);
            while (lines.Count > capacity)
            {
                lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            return string.Join(Environment.NewLine, lines);
        }
    }
}
