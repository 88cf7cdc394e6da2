using System.Net.Sockets;

namespace SoraFunctions.Provider.Tests.Support;

/// <summary>A loopback TCP listener on a free port that reads one request's headers and then closes the connection unanswered.</summary>
public sealed class RawTcpServer : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly Task loop;
    readonly CancellationTokenSource stop = new();

    public RawTcpServer()
    {
        listener.Start();
        loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    int requestsSeen;

    public int RequestsSeen => Volatile.Read(ref requestsSeen);

    async Task AcceptAsync()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using TcpClient client = await listener.AcceptTcpClientAsync(stop.Token);
                NetworkStream stream = client.GetStream();
                byte[] buffer = new byte[16 * 1024];
                var seen = new StringBuilder();
                while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int read = await stream.ReadAsync(buffer, stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                Interlocked.Increment(ref requestsSeen);
                client.Client.LingerState = new LingerOption(true, 0); // reset, no answer
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await loop;
        stop.Dispose();
    }
}
