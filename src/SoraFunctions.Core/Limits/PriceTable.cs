using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace SoraFunctions.Limits;

/// <summary>
/// What a second of video costs (configuration section <c>Prices</c>), e.g. <c>Prices__Items__0__Provider=Sora</c>,
/// <c>Prices__Items__0__Model=sora-2-pro</c>, <c>Prices__Items__0__Size=1792x1024</c>,
/// <c>Prices__Items__0__UsdPerSecond=0.50</c>. Empty means <see cref="PriceEntry.Defaults"/>; a configured list
/// replaces the defaults entirely, so that a price change never leaves a stale default behind.
/// </summary>
public sealed class PricesOptions : IValidatableObject
{
    public const string SectionName = "Prices";

    public List<PriceEntry> Items { get; set; } = [];

    public IReadOnlyList<PriceEntry> EffectiveItems => Items.Count > 0 ? Items : PriceEntry.Defaults;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (int i = 0; i < Items.Count; i++)
        {
            PriceEntry item = Items[i];
            string key = string.Create(CultureInfo.InvariantCulture, $"{SectionName}:Items:{i}");
            if (string.IsNullOrWhiteSpace(item.Provider))
            {
                yield return new ValidationResult($"{key}:Provider is required.", [nameof(Items)]);
            }

            if (string.IsNullOrWhiteSpace(item.Model))
            {
                yield return new ValidationResult($"{key}:Model is required (use * for the provider's other models).", [nameof(Items)]);
            }

            if (item.UsdPerSecond is < 0 or > 1000)
            {
                yield return new ValidationResult($"{key}:UsdPerSecond must be between 0 and 1000.", [nameof(Items)]);
            }
        }
    }
}

/// <summary>A price: <paramref name="Model"/> <c>*</c> stands for the provider's other models, a null size for every size.</summary>
public sealed record PriceEntry(string Provider, string Model, string? Size, decimal UsdPerSecond)
{
    public PriceEntry()
        : this("", "", null, 0)
    {
    }

    /// <summary>
    /// Published list prices when this was written (OpenAI's and Runway's pricing pages; Runway bills credits at
    /// $0.01 each). Check them against the providers' pages before relying on a budget: set <c>Prices__Items</c>
    /// to override. The <c>sora-2-pro</c> entry without a size takes the highest pro price, so that a size added
    /// later is never under-estimated.
    /// </summary>
    public static IReadOnlyList<PriceEntry> Defaults { get; } = BuildDefaults();

    static List<PriceEntry> BuildDefaults()
    {
        List<PriceEntry> prices = [];
        foreach (string model in (string[])["sora-2", "sora-2-2025-10-06", "sora-2-2025-12-08"])
        {
            prices.Add(new("Sora", model, null, 0.10m));
        }

        foreach (string model in (string[])["sora-2-pro", "sora-2-pro-2025-10-06"])
        {
            prices.Add(new("Sora", model, null, 0.70m));
            prices.Add(new("Sora", model, "720x1280", 0.30m));
            prices.Add(new("Sora", model, "1280x720", 0.30m));
            prices.Add(new("Sora", model, "1024x1792", 0.50m));
            prices.Add(new("Sora", model, "1792x1024", 0.50m));
            prices.Add(new("Sora", model, "1080x1920", 0.70m));
            prices.Add(new("Sora", model, "1920x1080", 0.70m));
        }

        prices.Add(new("Runway", "gen4.5", null, 0.12m));
        prices.Add(new("Runway", "veo3.1", null, 0.40m));
        prices.Add(new("Runway", "veo3.1_fast", null, 0.15m));
        return prices;
    }
}

/// <summary>An estimate: <paramref name="Known"/> is false when no entry matched the model (the cost is then 0, or the provider's <c>*</c> price).</summary>
public sealed record PriceQuote(decimal CostUsd, decimal UsdPerSecond, bool Known);

/// <summary>Estimates what a job will cost before it is submitted.</summary>
public interface IPriceTable
{
    /// <summary>The estimated cost in US dollars, rounded to cents.</summary>
    decimal Estimate(string provider, string model, string seconds, string size);

    PriceQuote Quote(string provider, string model, string seconds, string size);
}

/// <summary>
/// <see cref="IPriceTable"/> over <see cref="PricesOptions"/>. The most specific entry wins: model and size, then
/// model, then the provider's <c>*</c> with the size, then <c>*</c>. Names compare case-insensitively.
/// </summary>
public sealed class PriceTable : IPriceTable
{
    readonly IReadOnlyList<PriceEntry> prices;

    public PriceTable(IOptions<PricesOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        prices = options.Value.EffectiveItems;
    }

    public decimal Estimate(string provider, string model, string seconds, string size) => Quote(provider, model, seconds, size).CostUsd;

    /// <exception cref="ArgumentException"><paramref name="seconds"/> is not a non-negative number.</exception>
    public PriceQuote Quote(string provider, string model, string seconds, string size)
    {
        if (!decimal.TryParse(seconds, NumberStyles.Number, CultureInfo.InvariantCulture, out decimal duration) || duration < 0)
        {
            throw new ArgumentException($"'{seconds}' is not a duration in seconds.", nameof(seconds));
        }

        PriceEntry? best = null;
        int bestRank = 0;
        foreach (PriceEntry entry in prices)
        {
            int rank = Rank(entry, provider, model, size);
            if (rank > bestRank)
            {
                (best, bestRank) = (entry, rank);
            }
        }

        if (best is null)
        {
            return new PriceQuote(0, 0, false);
        }

        decimal cost = Math.Round(best.UsdPerSecond * duration, 2, MidpointRounding.AwayFromZero);
        return new PriceQuote(cost, best.UsdPerSecond, Known: bestRank > 2);
    }

    /// <summary>0: no match; 1: provider-wide; 2: provider-wide for the size; 3: model; 4: model and size.</summary>
    static int Rank(PriceEntry entry, string provider, string model, string size)
    {
        if (!string.Equals(entry.Provider, provider, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        bool sizeMatches = string.Equals(entry.Size, size, StringComparison.OrdinalIgnoreCase);
        if (entry.Size is not null && !sizeMatches)
        {
            return 0;
        }

        int sizeBonus = entry.Size is null ? 0 : 1;
        if (string.Equals(entry.Model, model, StringComparison.OrdinalIgnoreCase))
        {
            return 3 + sizeBonus;
        }

        return entry.Model == "*" ? 1 + sizeBonus : 0;
    }
}
