using SoraFunctions.Http;

namespace SoraFunctions.LocalHost.Management;

/// <summary>
/// Builds Durable Functions-shaped management URLs pointing at this host's <see cref="DurableManagementEndpoints"/>,
/// with the same <c>{eventName}</c> and <c>{text}</c> placeholders Durable Functions uses.
/// </summary>
public sealed class LocalManagementUrlFactory : IManagementUrlFactory
{
    /// <inheritdoc />
    public DurableManagementUrls? Create(HttpRequest request, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);

        string instance = $"{request.Scheme}://{request.Host}{request.PathBase}{DurableManagementRoutes.Instance(instanceId)}";
        return new DurableManagementUrls(
            Id: instanceId,
            StatusQueryGetUri: instance,
            SendEventPostUri: $"{instance}/raiseEvent/{{eventName}}",
            TerminatePostUri: $"{instance}/terminate?reason={{text}}",
            PurgeHistoryDeleteUri: instance,
            SuspendPostUri: $"{instance}/suspend?reason={{text}}",
            ResumePostUri: $"{instance}/resume?reason={{text}}");
    }
}
