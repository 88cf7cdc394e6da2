using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using SoraEmulator.Runway;

namespace SoraEmulator.Api;

/// <summary>
/// Gives every <c>/v1</c> answer an <c>x-request-id</c> and, when an API key is configured, answers 401 to calls
/// without <c>Authorization: Bearer &lt;key&gt;</c> or <c>api-key: &lt;key&gt;</c>. Runway calls take only the
/// Bearer form, must carry <c>X-Runway-Version: 2024-11-06</c>, and get Runway error bodies.
/// </summary>
sealed class ApiKeyMiddleware(RequestDelegate next, EmulatorState state)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        context.Response.Headers["x-request-id"] = "req_" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        if (RunwayEndpoints.IsRunwayPath(context.Request.Path))
        {
            if (CheckRunway(context.Request, state.Options.ApiKey) is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            await next(context);
            return;
        }

        if (state.Options.ApiKey is { Length: > 0 } key && !IsAuthorized(context.Request, key))
        {
            await ApiAnswer.InvalidApiKey().ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    static RunwayAnswer? CheckRunway(HttpRequest request, string? key)
    {
        if (key is { Length: > 0 } && !IsBearer(request, key))
        {
            return RunwayAnswer.Error(StatusCodes.Status401Unauthorized,
                "Invalid API key. Send it as Authorization: Bearer <key>.");
        }

        string version = request.Headers["X-Runway-Version"].ToString();
        if (version.Length == 0)
        {
            return RunwayAnswer.Invalid($"The X-Runway-Version header is required. Use X-Runway-Version: {RunwayRules.ApiVersion}.");
        }

        return version == RunwayRules.ApiVersion
            ? null
            : RunwayAnswer.Invalid($"API version '{version}' is not supported. Use X-Runway-Version: {RunwayRules.ApiVersion}.");
    }

    static bool IsBearer(HttpRequest request, string key)
    {
        const string bearer = "Bearer ";
        string authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
            && FixedTimeEquals(authorization[bearer.Length..].Trim(), key);
    }

    static bool IsAuthorized(HttpRequest request, string key)
    {
        return IsBearer(request, key) || request.Headers.TryGetValue("api-key", out StringValues apiKey) && FixedTimeEquals(apiKey.ToString(), key);
    }

    static bool FixedTimeEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
