using Microsoft.Extensions.Options;

namespace SoraFunctions.Configuration;

/// <summary>Checks the configured model list: names, sizes <c>WxH</c>, durations in whole seconds.</summary>
public sealed class VideoApiOptionsValidator : IValidateOptions<VideoApiOptions>
{
    public ValidateOptionsResult Validate(string? name, VideoApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        for (int i = 0; i < options.Models.Count; i++)
        {
            VideoModel model = options.Models[i];
            string key = $"{VideoApiOptions.SectionName}:Models:{i}";
            if (string.IsNullOrWhiteSpace(model.Name))
            {
                failures.Add($"{key}:Name is required.");
            }

            failures.AddRange(model.Sizes
                .Where(s => !IsSize(s))
                .Select(s => $"{key}:Sizes has '{s}', which is not WIDTHxHEIGHT."));
            failures.AddRange(model.Seconds
                .Where(s => !int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) || v <= 0)
                .Select(s => $"{key}:Seconds has '{s}', which is not a whole number of seconds."));
        }

        if (options.Models.GroupBy(m => m.Name, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            failures.Add($"{VideoApiOptions.SectionName}:Models names a model twice.");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    internal static bool IsSize(string value)
    {
        string[] parts = value.Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int w) && w > 0
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int h) && h > 0;
    }
}
