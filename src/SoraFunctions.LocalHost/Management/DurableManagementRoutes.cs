namespace SoraFunctions.LocalHost.Management;

/// <summary>The Durable Functions-shaped management routes the local host serves for its jobs.</summary>
public static class DurableManagementRoutes
{
    /// <summary>The route prefix Durable Functions uses.</summary>
    public const string Prefix = "/runtime/webhooks/durabletask/instances";

    /// <summary>The status query path of an instance.</summary>
    public static string Instance(string instanceId) => $"{Prefix}/{Uri.EscapeDataString(instanceId)}";
}
