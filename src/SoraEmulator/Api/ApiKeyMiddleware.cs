using System.Security.Cryptography;
using System.Text;

namespace SoraEmulator.Api;

/// <summary>
/// Gives every <c>/v1</c> answer an <c>x-request-id</c> and, when an API key is configured, answers 401 to calls
/// without <c>Authorization: Bearer &lt;key&gt;</c> or <c>api-key: &lt;key&gt;</c>.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, EmulatorState state)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        context.Response.Headers["x-request-id"] = "req_" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        if (state.Options.ApiKey is { Length: > 0 } key && !IsAuthorized(context.Request, key))
        {
            await ApiAnswer.InvalidApiKey().ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private static bool IsAuthorized(HttpRequest request, string key)
    {
        const string bearer = "Bearer ";
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
            && FixedTimeEquals(authorization[bearer.Length..].Trim(), key))
        {
            return true;
        }

        return request.Headers.TryGetValue("api-key", out var apiKey) && FixedTimeEquals(apiKey.ToString(), key);
    }

    private static bool FixedTimeEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
