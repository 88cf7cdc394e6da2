using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using SoraFunctions.Providers;

namespace SoraFunctions.Provider.Runway;

/// <summary>Classifies Runway's answers and transport failures for the orchestration (see README: Runway).</summary>
static class RunwayErrors
{
    /// <summary>The longest wait honoured from <c>Retry-After</c>, as for Sora: the orchestration's attempts stay bounded in time.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(120);

    /// <summary>Runway's documented retryable answers are 429, 502, 503 and 504; every 5xx and 408 are treated alike.</summary>
    public static bool IsTransientStatus(int status) => status is 408 or 429 or >= 500;

    public static ProviderError FromResponse(int status, HttpResponseHeaders headers, ReadOnlySpan<byte> body, DateTimeOffset now, string? secret)
    {
        string? message = RunwayWire.ErrorMessage(body);
        return new ProviderError
        {
            Transient = IsTransientStatus(status),
            StatusCode = status,
            Message = Redact(
                string.IsNullOrWhiteSpace(message)
                    ? string.Create(CultureInfo.InvariantCulture, $"Runway answered {status} {StatusText(status)}.")
                    : message,
                secret),
            RetryAfter = GetRetryAfter(headers, now),
            // A 5xx may come from a gateway after the task was made: a create is then uncertain.
            MayHaveReachedProvider = status >= 500,
        };
    }

    /// <summary>A transport failure as an error; null when <paramref name="exception"/> is not one (a bug to let through).</summary>
    public static ProviderError? FromException(Exception exception, TimeSpan timeout) => exception switch
    {
        OperationCanceledException => new ProviderError
        {
            Transient = true,
            Code = "timeout",
            Message = string.Create(CultureInfo.InvariantCulture, $"Runway did not answer within {timeout.TotalSeconds:0.###} seconds."),
            MayHaveReachedProvider = true,
        },
        HttpRequestException or IOException or SocketException => MayHaveBeenSent(exception)
            ? new ProviderError { Transient = true, Code = "connection_failed", Message = "The connection to Runway was lost: " + exception.Message, MayHaveReachedProvider = true }
            : new ProviderError { Transient = true, Code = "connection_failed", Message = "Runway could not be reached: " + exception.Message, MayHaveReachedProvider = false },
        _ => null,
    };

    /// <summary>A 2xx answer this client could not read: the call may have been acted on.</summary>
    public static ProviderError InvalidResponse(int status, string detail) => new()
    {
        Transient = true,
        StatusCode = status,
        Code = "invalid_response",
        Message = "Runway's answer could not be read: " + detail,
        MayHaveReachedProvider = true,
    };

    /// <summary><c>Retry-After</c> as delta-seconds or an HTTP date, capped at <see cref="MaxRetryAfter"/>.</summary>
    public static TimeSpan? GetRetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        RetryConditionHeaderValue? retryAfter = headers.RetryAfter;
        TimeSpan? wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        return wait is not { } value ? null
            : value < TimeSpan.Zero ? TimeSpan.Zero
            : value > MaxRetryAfter ? MaxRetryAfter
            : value;
    }

    public static string Redact(string message, string? secret) =>
        !string.IsNullOrEmpty(secret) && secret.Length >= 4 ? message.Replace(secret, "[redacted]", StringComparison.Ordinal) : message;

    /// <summary>
    /// False only when the failure certainly happened before the request left (DNS, refused connection, TLS or proxy
    /// set-up); a reset or a cut answer may have followed a processed request.
    /// </summary>
    static bool MayHaveBeenSent(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException
                {
                    HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
                        or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError,
                })
            {
                return false;
            }

            if (current is SocketException
                {
                    SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                        or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData,
                })
            {
                return false;
            }
        }

        return true;
    }

    static string StatusText(int status) =>
        Enum.IsDefined(typeof(HttpStatusCode), status) ? ((HttpStatusCode)status).ToString() : "error";
}
