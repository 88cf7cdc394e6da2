using System.ClientModel.Primitives;
using Azure.Core;

namespace SoraFunctions.Provider.Sora.Internal;

/// <summary>
/// Adds <c>Authorization: Bearer {token}</c> with a Microsoft Entra ID token for one scope. The token is cached and
/// refreshed ahead of expiry (at its <c>RefreshOn</c>, else 5 minutes before <c>ExpiresOn</c>); concurrent callers share
/// one refresh; a 401 drops the cached token. Tokens are only sent over https (or to a loopback host).
/// </summary>
/// <remarks>
/// Kept rather than <c>System.ClientModel.Primitives.BearerTokenPolicy</c> (checked in System.ClientModel 1.16):
/// that policy asks its token provider on every request and holds no cache, no refresh-ahead and no shared refresh,
/// leaving all three to the credential; this one guarantees them whatever credential is configured, and never sends
/// a token over plain http.
/// </remarks>
sealed class EntraTokenPolicy : AuthenticationPolicy
{
    static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    readonly TokenCredential credential;
    readonly TokenRequestContext tokenContext;
    readonly TimeProvider timeProvider;
    readonly object gate = new();
    AccessToken? cachedToken;
    Task<AccessToken>? pendingRefresh;

    public EntraTokenPolicy(TokenCredential credential, string scope, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.credential = credential;
        tokenContext = new TokenRequestContext([scope]);
        this.timeProvider = timeProvider;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        Uri uri = message.Request.Uri ?? throw new InvalidOperationException("The request has no URI.");
        if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            throw new InvalidOperationException("A Microsoft Entra ID token is only sent over https.");
        }

        AccessToken token = await GetTokenAsync(message.CancellationToken);
        message.Request.Headers.Set("Authorization", "Bearer " + token.Token);
        await ProcessNextAsync(message, pipeline, currentIndex);

        if (message.Response?.Status == 401)
        {
            lock (gate)
            {
                if (cachedToken is { } current && current.Token == token.Token)
                {
                    cachedToken = null;
                }
            }
        }
    }

    internal async ValueTask<AccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = this.timeProvider.GetUtcNow();
        Task<AccessToken> refresh;
        AccessToken? cached;
        lock (gate)
        {
            cached = cachedToken;
            if (cached is { } fresh && now < RefreshAt(fresh))
            {
                return fresh;
            }

            if (pendingRefresh is null || pendingRefresh.IsCompleted)
            {
                pendingRefresh = FetchAsync();
            }

            refresh = pendingRefresh;
        }

        try
        {
            return await refresh.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && cached is { } stillValid && now < stillValid.ExpiresOn)
        {
            // The refresh failed but the cached token has not expired yet: keep using it.
            return stillValid;
        }
    }

    async Task<AccessToken> FetchAsync()
    {
        // Shared by concurrent callers, so it does not follow any one caller's token; each caller's wait does.
        AccessToken token = await this.credential.GetTokenAsync(tokenContext, CancellationToken.None);
        lock (gate)
        {
            cachedToken = token;
        }

        return token;
    }

    static DateTimeOffset RefreshAt(AccessToken token) =>
        token.RefreshOn is { } refreshOn && refreshOn < token.ExpiresOn ? refreshOn : token.ExpiresOn - RefreshMargin;
}
