using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SoraFunctions.Limits;

namespace SoraFunctions.Tests.Limits;

public class CallerResolverTests
{
    const string AdminPrincipal = """{"auth_typ":"aad","claims":[{"typ":"name","val":"Ada"},{"typ":"roles","val":"Videos.Admin"}],"name_typ":"name","role_typ":"roles"}""";

    static CallerResolver Resolver(bool trust = true, string? authEnabled = null, params string[] admins)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [CallerResolver.AuthEnabledSetting] = authEnabled })
            .Build();
        return new CallerResolver(Options.Create(new CallersOptions { TrustPrincipalHeaders = trust, Admins = [.. admins] }), configuration);
    }

    static HeaderDictionary Headers(string? id = "oid-1", string? name = "ada@example.com", string? principal = null)
    {
        var headers = new HeaderDictionary();
        if (id is not null)
        {
            headers["X-MS-CLIENT-PRINCIPAL-ID"] = id;
        }

        if (name is not null)
        {
            headers["X-MS-CLIENT-PRINCIPAL-NAME"] = name;
        }

        if (principal is not null)
        {
            headers["X-MS-CLIENT-PRINCIPAL"] = principal;
        }

        return headers;
    }

    static string Base64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Resolve_Untrusted_IsAnonymousWhateverTheHeadersSay()
    {
        Caller caller = Resolver(trust: false).Resolve(Headers(principal: Base64(AdminPrincipal)));

        Assert.Equal(Caller.Anonymous, caller);
    }

    [Theory]
    [InlineData("True")]
    [InlineData("true")]
    public void Resolve_EasyAuthOn_TrustsHeaders(string setting)
    {
        Caller caller = Resolver(trust: false, authEnabled: setting).Resolve(Headers());

        Assert.Equal(new Caller("oid-1", "ada@example.com", false), caller);
    }

    [Fact]
    public void Resolve_NoIdHeader_UsesName()
    {
        Assert.Equal(new Caller("ada@example.com", "ada@example.com", false), Resolver().Resolve(Headers(id: null)));
    }

    [Fact]
    public void Resolve_NoHeaders_IsAnonymous()
    {
        Assert.Equal(Caller.Anonymous, Resolver().Resolve(new HeaderDictionary()));
    }

    [Fact]
    public void Resolve_AdminRoleInPrincipal_IsAdmin()
    {
        Assert.True(Resolver().Resolve(Headers(principal: Base64(AdminPrincipal))).IsAdmin);
    }

    [Theory]
    [InlineData("""{"claims":[{"typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role","val":"Videos.Admin"}]}""")]
    [InlineData("""{"claims":[{"typ":"app_role","val":"Videos.Admin"}],"role_typ":"app_role"}""")]
    public void Resolve_RoleClaimTypes_AreRecognised(string principal)
    {
        Assert.True(Resolver().Resolve(Headers(principal: Base64(principal))).IsAdmin);
    }

    [Theory]
    [InlineData("""{"claims":[{"typ":"roles","val":"Videos.Reader"}],"role_typ":"roles"}""")]
    [InlineData("""{"claims":[{"typ":"groups","val":"Videos.Admin"}],"role_typ":"roles"}""")]
    public void Resolve_OtherRoles_AreNotAdmin(string principal)
    {
        Assert.False(Resolver().Resolve(Headers(principal: Base64(principal))).IsAdmin);
    }

    [Theory]
    [InlineData("!!!not base64!!!")]
    [InlineData("e30")]
    [InlineData("bm90IGpzb24=")]
    [InlineData("WzEsMiwzXQ==")]
    [InlineData("eyJjbGFpbXMiOiJub3QgYW4gYXJyYXkifQ==")]
    [InlineData("eyJjbGFpbXMiOlsxLHsidHlwIjoicm9sZXMifSx7InR5cCI6MSwidmFsIjoiVmlkZW9zLkFkbWluIn1dfQ==")]
    [InlineData("eyJjbGFpbXMiOlt7InR5cCI6InJvbGVzIiwidmFsIjoiVmlkZW9zLkFk")]
    [InlineData("eyJjbGFpbXMiOlt7InR5cCI6InJvbGVzIiwidmFsIjoiXHVkODAwIn1dfQ==")] // a role "\ud800": no text to decode
    [InlineData("eyJjbGFpbXMiOlt7InR5cCI6Ilx1ZDgwMCIsInZhbCI6IlZpZGVvcy5BZG1pbiJ9XSwibmFtZV90eXAiOiJcdWQ4MDAifQ==")]
    public void Resolve_MalformedPrincipal_NeverThrowsAndGrantsNoRoles(string principal)
    {
        Caller caller = Resolver().Resolve(Headers(principal: principal));

        Assert.Equal(new Caller("oid-1", "ada@example.com", false), caller);
    }

    [Fact]
    public void Resolve_UrlSafeUnpaddedPrincipal_IsRead()
    {
        string urlSafe = Base64(AdminPrincipal).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.True(Resolver().Resolve(Headers(principal: urlSafe)).IsAdmin);
    }

    [Fact]
    public void Resolve_NameOnlyInPrincipal_IsUsedAsId()
    {
        Caller caller = Resolver().Resolve(Headers(id: null, name: null, principal: Base64(AdminPrincipal)));

        Assert.Equal(new Caller("Ada", "Ada", true), caller);
    }

    [Theory]
    [InlineData("OID-1")]
    [InlineData("ADA@example.com")]
    public void Resolve_ListedInAdmins_ByIdOrNameIgnoringCase(string admin)
    {
        Assert.True(Resolver(true, null, admin).Resolve(Headers()).IsAdmin);
        Assert.False(Resolver(true, null, "someone-else").Resolve(Headers()).IsAdmin);
    }

    [Fact]
    public void Resolve_AnonymousListedInAdmins_IsAdminAnonymous()
    {
        Caller caller = Resolver(false, null, "Anonymous").Resolve(new HeaderDictionary());

        Assert.Equal(new Caller("anonymous", null, true), caller);
    }
}
