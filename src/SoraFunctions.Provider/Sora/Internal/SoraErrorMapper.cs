using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Azure.Identity;

namespace SoraFunctions.Provider.Sora.Internal;

/// <summary>Maps HTTP answers and transport failures to <see cref="SoraError"/> (see README: error mapping).</summary>
static partial class SoraErrorMapper
{
    /// <summary>The longest wait a provider may ask for.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(120);

    /// <summary>How much of an error body is read to find the provider's message.</summary>
    public const int MaxErrorBodyBytes = 64 * 1024;

    public const string RetryAfterMsHeader = "retry-after-ms";
    public const string RetryAfterHeader = "Retry-After";
    public const string ShouldRetryHeader = "x-should-retry";
    public const string PollAfterHeader = "openai-poll-after-ms";

    /// <summary>True for statuses worth another try: 408, 409, 429 and every 5xx.</summary>
    public static bool IsTransientStatus(int status) => status is 408 or 409 or 429 or >= 500;

    /// <summary>Builds the error of a non-success HTTP answer.</summary>
    public static SoraError FromResponse(int status, string? reasonPhrase, PipelineResponseHeaders headers, ReadOnlySpan<byte> body, DateTimeOffset now, string? secret)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ProviderErrorBody? parsed = SoraWireFormat.TryParseError(body);
        SoraErrorKind kind = IsTransientStatus(status) ? SoraErrorKind.Transient : SoraErrorKind.Terminal;
        if (headers.TryGetValue(ShouldRetryHeader, out string? shouldRetry))
        {
            if (string.Equals(shouldRetry?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
            {
                kind = SoraErrorKind.Transient;
            }
            else if (string.Equals(shouldRetry?.Trim(), "false", StringComparison.OrdinalIgnoreCase))
            {
                kind = SoraErrorKind.Terminal;
            }
        }

        string message = string.IsNullOrWhiteSpace(parsed?.Message)
            ? string.Create(CultureInfo.InvariantCulture, $"The Sora provider answered {status} {(string.IsNullOrWhiteSpace(reasonPhrase) ? StatusText(status) : reasonPhrase)}.")
            : parsed.Message;

        return new SoraError
        {
            Kind = kind,
            StatusCode = status,
            Code = parsed?.Code,
            Type = parsed?.Type,
            Param = parsed?.Param,
            Message = Redact(message, secret),
            RetryAfter = GetRetryAfter(headers, now),
            MayHaveReachedProvider = status >= 500,
        };
    }

    /// <summary>
    /// Maps a transport failure, or returns null when the exception is not one (a bug to let through).
    /// The caller has already let the caller's own cancellation propagate.
    /// </summary>
    public static SoraError? FromException(Exception exception, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case OperationCanceledException:
                return new SoraError
                {
                    Kind = SoraErrorKind.Transient,
                    Code = "timeout",
                    Message = string.Create(CultureInfo.InvariantCulture, $"The Sora provider did not answer within {timeout.TotalSeconds:0.###} seconds."),
                    MayHaveReachedProvider = true,
                };
            case CredentialUnavailableException:
                return new SoraError
                {
                    Kind = SoraErrorKind.Terminal,
                    Code = "authentication_failed",
                    Message = "No Microsoft Entra ID credential is available for the Sora provider: " + exception.Message,
                    MayHaveReachedProvider = false,
                };
            case AuthenticationFailedException:
                return new SoraError
                {
                    Kind = SoraErrorKind.Transient,
                    Code = "authentication_failed",
                    Message = "Getting a Microsoft Entra ID token for the Sora provider failed: " + exception.Message,
                    MayHaveReachedProvider = false,
                };
            case ClientResultException { Status: 0, InnerException: { } inner }:
                return FromException(inner, timeout);
            case ClientResultException or HttpRequestException or IOException or SocketException:
                bool sent = MayHaveBeenSent(exception);
                return new SoraError
                {
                    Kind = SoraErrorKind.Transient,
                    Code = "connection_failed",
                    Message = sent
                        ? "The connection to the Sora provider was lost: " + exception.Message
                        : "The Sora provider could not be reached: " + exception.Message,
                    MayHaveReachedProvider = sent,
                };
            default:
                return null;
        }
    }

    /// <summary>An answer this client could not read (not JSON, no id): transient, and possibly processed.</summary>
    public static SoraError InvalidResponse(int status, string detail) => new()
    {
        Kind = SoraErrorKind.Transient,
        StatusCode = status,
        Code = "invalid_response",
        Message = "The Sora provider's answer could not be read: " + detail,
        MayHaveReachedProvider = true,
    };

    /// <summary><c>retry-after-ms</c>, else <c>Retry-After</c> (delta-seconds or HTTP-date), capped at 120 s; null when absent or invalid.</summary>
    public static TimeSpan? GetRetryAfter(PipelineResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.TryGetValue(RetryAfterMsHeader, out string? ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds)
            && double.IsFinite(milliseconds) && milliseconds >= 0)
        {
            return Cap(TimeSpan.FromMilliseconds(Math.Min(milliseconds, MaxRetryAfter.TotalMilliseconds)));
        }

        if (headers.TryGetValue(RetryAfterHeader, out string? value) && !string.IsNullOrWhiteSpace(value))
        {
            value = value.Trim();
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            {
                return double.IsFinite(seconds) && seconds >= 0 ? Cap(TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryAfter.TotalSeconds))) : null;
            }

            if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date)
                || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            {
                TimeSpan wait = date - now;
                return Cap(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
            }
        }

        return null;
    }

    /// <summary><c>openai-poll-after-ms</c> when present and valid.</summary>
    public static TimeSpan? GetPollAfter(PipelineResponseHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.TryGetValue(PollAfterHeader, out string? value)
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
            && double.IsFinite(ms) && ms >= 0 && ms <= TimeSpan.FromDays(1).TotalMilliseconds
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    /// <summary>Removes the configured key and anything shaped like an OpenAI key from a provider message.</summary>
    public static string Redact(string message, string? secret)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4)
        {
            message = message.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }

        return KeyPattern().Replace(message, "sk-[redacted]");
    }

    static TimeSpan Cap(TimeSpan value) => value > MaxRetryAfter ? MaxRetryAfter : value;

    /// <summary>
    /// False only when the failure certainly happened before the request left: DNS, connection refused or failed
    /// TLS/proxy set-up. Everything else (a connection reset, an answer cut short) may have been processed.
    /// </summary>
    static bool MayHaveBeenSent(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException http)
            {
                switch (http.HttpRequestError)
                {
                    case HttpRequestError.NameResolutionError:
                    case HttpRequestError.ConnectionError:
                    case HttpRequestError.SecureConnectionError:
                    case HttpRequestError.ProxyTunnelError:
                        return false;
                }
            }

            if (current is SocketException socket
                && socket.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                    or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData)
            {
                return false;
            }
        }

        return true;
    }

    static string StatusText(int status) =>
        Enum.IsDefined(typeof(HttpStatusCode), status) ? ((HttpStatusCode)status).ToString() : "error";

    [GeneratedRegex(@"sk-[A-Za-z0-9_\-\*\.]{4,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
