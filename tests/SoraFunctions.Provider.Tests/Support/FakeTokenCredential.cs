using Azure.Core;

namespace SoraFunctions.Provider.Tests.Support;

/// <summary>Hands out numbered tokens valid for <see cref="Lifetime"/> from the given clock; counts calls and scopes.</summary>
public sealed class FakeTokenCredential(TimeProvider clock) : TokenCredential
{
    int calls;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public int Calls => Volatile.Read(ref calls);

    public string[]? LastScopes { get; private set; }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        int n = Interlocked.Increment(ref calls);
        LastScopes = requestContext.Scopes;
        return ValueTask.FromResult(new AccessToken($"entra-token-{n}", clock.GetUtcNow() + Lifetime));
    }
}
