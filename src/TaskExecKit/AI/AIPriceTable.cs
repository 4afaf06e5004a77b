using System.Collections.Frozen;
using System.Globalization;

namespace TaskExecKit.AI;

/// <summary>
/// The price of a model's tokens: what a million input tokens and a million output tokens cost, in
/// the unit of the table it is in (the defaults are US dollars).
/// </summary>
/// <param name="InputPerMillionTokens">The price of one million input (prompt) tokens; not negative.</param>
/// <param name="OutputPerMillionTokens">The price of one million output (completion) tokens; not negative.</param>
public sealed record ModelPrice(decimal InputPerMillionTokens, decimal OutputPerMillionTokens)
{
    /// <summary>Gets the price of a model that costs nothing per token (the offline provider, a local model).</summary>
    public static ModelPrice Free { get; } = new(0m, 0m);

    /// <summary>Estimates what a call with these token counts costs: <c>input × input price + output × output price</c>, per million.</summary>
    /// <param name="inputTokens">Tokens sent.</param>
    /// <param name="outputTokens">Tokens produced.</param>
    /// <returns>The estimate, in the table's unit.</returns>
    public decimal CostOf(long inputTokens, long outputTokens)
        => ((Math.Max(0, inputTokens) * InputPerMillionTokens) + (Math.Max(0, outputTokens) * OutputPerMillionTokens)) / 1_000_000m;
}

/// <summary>
/// Model prices by provider and model, used to estimate what each model call costs. Immutable:
/// <see cref="With"/> returns a new table. Keys are <c>provider/model</c> (for example
/// <c>anthropic/claude-sonnet-4-5</c>), or <c>provider/*</c> for every model of a provider.
/// A model with no price has an unknown cost (null), never a guessed one.
/// </summary>
/// <remarks>
/// A price is found for the model the provider reported (falling back to the model asked for) by,
/// in order: the exact <c>provider/model</c> (case-insensitive); the same with a version suffix
/// removed (a dated snapshot such as <c>claude-sonnet-4-5-20250929</c> or <c>gpt-4o-mini-2024-07-18</c>,
/// or an Ollama <c>:latest</c> tag); then <c>provider/*</c>. The offline provider costs 0 unless the
/// table prices it. Cached-input discounts, long-context tiers and batch prices are not modelled.
/// </remarks>
public sealed class AIPriceTable
{
    /// <summary>
    /// The date the prices of <see cref="Default"/> were taken from the providers' published list
    /// prices. They are estimates and go out of date: set your own with <c>Price(...)</c> or
    /// <c>ai.toml</c>'s <c>[prices."provider/model"]</c>.
    /// </summary>
    public const string DefaultPricesAsOf = "2025-10";

    private readonly FrozenDictionary<string, ModelPrice> _prices;
    private readonly FrozenDictionary<string, ModelPrice>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private AIPriceTable(FrozenDictionary<string, ModelPrice> prices)
    {
        _prices = prices;
        _lookup = prices.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets a table with no prices: every model's cost is unknown, except the offline provider's (0).</summary>
    public static AIPriceTable Empty { get; } = new(FrozenDictionary.ToFrozenDictionary(new Dictionary<string, ModelPrice>(), StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Gets the default table: estimates, in US dollars per million tokens, of the list prices as of
    /// <see cref="DefaultPricesAsOf"/> for the default model of each provider package —
    /// <c>anthropic/claude-sonnet-4-5</c> (3 in, 15 out), <c>openai/gpt-4o-mini</c> (0.15 in, 0.60 out) —
    /// and <c>ollama/llama3.2</c> and <c>offline/*</c> at 0 (they run locally).
    /// </summary>
    public static AIPriceTable Default { get; } = Empty
        .With("anthropic", "claude-sonnet-4-5", new ModelPrice(3m, 15m))
        .With("openai", "gpt-4o-mini", new ModelPrice(0.15m, 0.60m))
        .With("ollama", "llama3.2", ModelPrice.Free)
        .With("offline", "*", ModelPrice.Free);

    /// <summary>Gets the prices, keyed <c>provider/model</c> (lowercase).</summary>
    public IReadOnlyDictionary<string, ModelPrice> Prices => _prices;

    /// <summary>Returns a table with the price of one model (or of every model of a provider, with <c>*</c>) set or replaced.</summary>
    /// <param name="provider">The provider's name, e.g. <c>anthropic</c>, or the name a custom client reports.</param>
    /// <param name="model">The model, e.g. <c>claude-sonnet-4-5</c>, or <c>*</c> for every model of the provider.</param>
    /// <param name="price">The price.</param>
    /// <returns>The new table.</returns>
    /// <exception cref="ArgumentException">The provider or model is empty or holds a <c>/</c>, or a price is negative.</exception>
    public AIPriceTable With(string provider, string model, ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(price);
        string key = KeyOf(provider, model);
        if (price.InputPerMillionTokens < 0 || price.OutputPerMillionTokens < 0)
        {
            throw new ArgumentException($"The price of {key} may not be negative.", nameof(price));
        }

        var prices = new Dictionary<string, ModelPrice>(_prices, StringComparer.OrdinalIgnoreCase) { [key] = price };
        return new AIPriceTable(prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Finds the price of a model (see the remarks of <see cref="AIPriceTable"/> for how).</summary>
    /// <param name="provider">The provider that answered.</param>
    /// <param name="model">The model that answered.</param>
    /// <returns>The price, or null when the table has none.</returns>
    public ModelPrice? Find(string provider, string model)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(model);
        ReadOnlySpan<char> p = provider.AsSpan().Trim();
        ReadOnlySpan<char> m = model.AsSpan().Trim();
        if (p.Length + m.Length > 512)
        {
            return p.Equals("offline", StringComparison.OrdinalIgnoreCase) ? ModelPrice.Free : null;
        }

        // Looked up once per model call: keys are built on the stack and compared ignoring case, with no allocation.
        Span<char> key = stackalloc char[p.Length + 1 + m.Length];
        p.CopyTo(key);
        key[p.Length] = '/';
        m.CopyTo(key[(p.Length + 1)..]);
        if (_lookup.TryGetValue(key, out var exact))
        {
            return exact;
        }

        int bare = VersionlessLength(m);
        if (bare < m.Length && _lookup.TryGetValue(key[..(p.Length + 1 + bare)], out var versioned))
        {
            return versioned;
        }

        key[p.Length + 1] = '*';
        if (_lookup.TryGetValue(key[..(p.Length + 2)], out var any))
        {
            return any;
        }

        return p.Equals("offline", StringComparison.OrdinalIgnoreCase) ? ModelPrice.Free : null;
    }

    /// <summary>Estimates the cost of a call, or returns null when the model has no price.</summary>
    /// <param name="provider">The provider that answered.</param>
    /// <param name="model">The model that answered.</param>
    /// <param name="inputTokens">Tokens sent.</param>
    /// <param name="outputTokens">Tokens produced.</param>
    /// <returns>The estimate in the table's unit, or null when unknown.</returns>
    public decimal? EstimateCost(string provider, string model, long inputTokens, long outputTokens)
        => Find(provider, model)?.CostOf(inputTokens, outputTokens);

    /// <summary>Returns the prices, one per line, as <c>provider/model: in X, out Y per million tokens</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => _prices.Count == 0
        ? "no prices"
        : string.Join(Environment.NewLine, _prices.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.Key}: in {p.Value.InputPerMillionTokens}, out {p.Value.OutputPerMillionTokens} per million tokens")));

    private static string KeyOf(string provider, string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (provider.Contains('/', StringComparison.Ordinal) || model.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A price is keyed provider/model; '{provider}' and '{model}' may not hold a '/' themselves.", nameof(provider));
        }

        return provider.Trim().ToLowerInvariant() + "/" + model.Trim().ToLowerInvariant();
    }

    /// <summary>
    /// The length of the model's name without a version suffix: <c>:latest</c> (Ollama), or a trailing
    /// dated snapshot — <c>-YYYYMMDD</c> (Anthropic) or <c>-YYYY-MM-DD</c> (OpenAI); the whole length when
    /// there is none. Other suffixes are part of the name (<c>gpt-4o-mini</c> is not <c>gpt-4o</c>).
    /// </summary>
    private static int VersionlessLength(ReadOnlySpan<char> model)
    {
        if (model.EndsWith(":latest", StringComparison.OrdinalIgnoreCase))
        {
            return model.Length - ":latest".Length;
        }

        if (model.Length > 9 && model[^9] == '-' && Digits(model[^8..]))
        {
            return model.Length - 9;
        }

        if (model.Length > 11 && model[^11] == '-' && Digits(model[^10..^6]) && model[^6] == '-'
            && Digits(model[^5..^3]) && model[^3] == '-' && Digits(model[^2..]))
        {
            return model.Length - 11;
        }

        return model.Length;
    }

    private static bool Digits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');
}
