namespace SoraFunctions.Infra.Tests.Support;

/// <summary>
/// Brings app-setting keys from different places to one comparable form: the children of an identity-based
/// connection (<c>X__blobServiceUri</c>, <c>X__credential</c>, ...) count as the connection <c>X</c>, and
/// platform keys (<c>APPLICATIONINSIGHTS_*</c>, <c>FUNCTIONS_*</c>) are left out.
/// </summary>
public static class AppSettingKeys
{
    static readonly string[] ConnectionSuffixes =
        ["blobServiceUri", "queueServiceUri", "tableServiceUri", "serviceUri", "credential", "clientId", "accountName"];

    static readonly string[] PlatformPrefixes = ["APPLICATIONINSIGHTS_", "FUNCTIONS_"];

    /// <summary>The normalised key, or null for a platform key.</summary>
    public static string? Normalise(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (PlatformPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        int separator = key.LastIndexOf("__", StringComparison.Ordinal);
        if (separator > 0 && ConnectionSuffixes.Contains(key[(separator + 2)..], StringComparer.OrdinalIgnoreCase))
        {
            return key[..separator];
        }

        return key;
    }

    /// <summary>The distinct normalised keys of a set of keys.</summary>
    public static SortedSet<string> NormaliseAll(IEnumerable<string> keys) =>
        new(keys.Select(Normalise).OfType<string>(), StringComparer.Ordinal);

    /// <summary>A readable difference between two key sets, for assertion messages.</summary>
    public static string Difference(string leftName, IReadOnlySet<string> left, string rightName, IReadOnlySet<string> right) =>
        $"only in {leftName}: [{string.Join(", ", left.Except(right).Order(StringComparer.Ordinal))}]; " +
        $"only in {rightName}: [{string.Join(", ", right.Except(left).Order(StringComparer.Ordinal))}]";
}
