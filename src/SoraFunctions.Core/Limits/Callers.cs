using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Limits;

/// <summary>Who is asking: jobs belong to their caller, and admins see everyone's.</summary>
public sealed record Caller(string Id, string? Name, bool IsAdmin)
{
    public const string AnonymousId = "anonymous";

    public static Caller Anonymous { get; } = new(AnonymousId, null, false);
}

/// <summary>Who callers are (configuration section <c>Callers</c>).</summary>
public sealed class CallersOptions
{
    public const string SectionName = "Callers";

    /// <summary>
    /// Believe the <c>X-MS-CLIENT-PRINCIPAL-*</c> headers without App Service authentication (which strips them
    /// from client requests). Only for a host behind a proxy that sets them itself, or for local testing.
    /// </summary>
    public bool TrustPrincipalHeaders { get; set; }

    /// <summary>Principal ids or names (case-insensitive) that are admins besides holders of the <c>Videos.Admin</c> role.</summary>
    public List<string> Admins { get; set; } = [];
}

/// <summary>
/// Reads the caller from the headers App Service authentication (Easy Auth) adds. Headers are trusted only when
/// the platform's authentication is on (<c>WEBSITE_AUTH_ENABLED</c>) or <see cref="CallersOptions.TrustPrincipalHeaders"/>
/// says so; otherwise anyone could claim to be anyone, and every caller is <see cref="Caller.Anonymous"/>.
/// </summary>
public sealed class CallerResolver
{
    public const string AdminRole = "Videos.Admin";
    public const string AuthEnabledSetting = "WEBSITE_AUTH_ENABLED";
    const string IdHeader = "X-MS-CLIENT-PRINCIPAL-ID";
    const string NameHeader = "X-MS-CLIENT-PRINCIPAL-NAME";
    const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    static readonly string[] StandardRoleTypes = ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

    readonly bool trusted;
    readonly HashSet<string> admins;

    public CallerResolver(IOptions<CallersOptions> options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        trusted = options.Value.TrustPrincipalHeaders || (bool.TryParse(configuration[AuthEnabledSetting], out bool enabled) && enabled);
        admins = new HashSet<string>(options.Value.Admins.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()), StringComparer.OrdinalIgnoreCase);
    }

    public Caller Resolve(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!trusted)
        {
            return AnonymousCaller();
        }

        Principal principal = ReadPrincipal(headers[PrincipalHeader].ToString());
        string? id = Value(headers[IdHeader].ToString());
        string? name = Value(headers[NameHeader].ToString()) ?? principal.Name;
        string? callerId = id ?? name;
        if (callerId is null)
        {
            return AnonymousCaller();
        }

        bool isAdmin = principal.Roles.Contains(AdminRole, StringComparer.Ordinal)
            || admins.Contains(callerId)
            || (name is not null && admins.Contains(name));
        return new Caller(callerId, name, isAdmin);
    }

    Caller AnonymousCaller() => admins.Contains(Caller.AnonymousId) ? Caller.Anonymous with { IsAdmin = true } : Caller.Anonymous;

    /// <summary>
    /// The roles and name in <c>X-MS-CLIENT-PRINCIPAL</c> (base64 JSON <c>{auth_typ, claims:[{typ,val}], name_typ,
    /// role_typ}</c>). A header that is not valid base64 or JSON, or not of that shape, yields no roles: a bad
    /// header must cost the caller its admin rights, never the request.
    /// </summary>
    internal static Principal ReadPrincipal(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || !TryDecodeBase64(header.Trim(), out byte[] json))
        {
            return Principal.None;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out JsonElement claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return Principal.None;
            }

            string? roleType = StringProperty(root, "role_typ");
            string? nameType = StringProperty(root, "name_typ");
            var roles = new List<string>();
            string? name = null;
            foreach (JsonElement claim in claims.EnumerateArray())
            {
                if (claim.ValueKind != JsonValueKind.Object || StringProperty(claim, "typ") is not { } type || StringProperty(claim, "val") is not { } value)
                {
                    continue;
                }

                if (type == roleType || StandardRoleTypes.Contains(type, StringComparer.Ordinal))
                {
                    roles.Add(value);
                }

                if (name is null && nameType is not null && type == nameType)
                {
                    name = Value(value);
                }
            }

            return new Principal(roles, name);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string whose escapes decode to no text (a lone UTF-16 surrogate).
            return Principal.None;
        }
    }

    static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        // Easy Auth sends standard base64; proxies and test tools sometimes send the URL-safe, unpadded form.
        string standard = text.Replace('-', '+').Replace('_', '/');
        standard = standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
        bytes = new byte[standard.Length];
        if (Convert.TryFromBase64String(standard, bytes, out int written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static string? Value(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    internal sealed record Principal(IReadOnlyList<string> Roles, string? Name)
    {
        public static Principal None { get; } = new([], null);
    }
}
