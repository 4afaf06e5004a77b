using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TaskExecKit;

/// <summary>
/// Checks a JSON value against a JSON schema, for the keywords the schemas of tools and of
/// Microsoft.Extensions.AI's <c>AIJsonUtilities.CreateJsonSchema</c> use: <c>type</c>,
/// <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>items</c>, <c>enum</c>,
/// <c>const</c>, <c>anyOf</c>/<c>oneOf</c> (both read as "at least one"), <c>minItems</c>/<c>maxItems</c>,
/// <c>minLength</c>/<c>maxLength</c>, <c>pattern</c>, <c>minimum</c>/<c>maximum</c>. Other keywords
/// (<c>$ref</c>, <c>format</c>, …) are not checked.
/// </summary>
internal static class JsonSchemaCheck
{
    private const int MaxErrors = 10;
    private const int MaxDepth = 64;
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns the problems found (empty when the value matches), each naming the JSON path.</summary>
    internal static IReadOnlyList<string> Validate(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "$", errors, 0);
        return errors;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        if (errors.Count >= MaxErrors || depth > MaxDepth)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here");
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("type", out JsonElement type) && !MatchesType(type, value))
        {
            errors.Add($"{path}: expected {DescribeType(type)}, got {Describe(value)}");
            return;
        }

        if (schema.TryGetProperty("enum", out JsonElement options) && options.ValueKind == JsonValueKind.Array
            && !options.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
        {
            errors.Add($"{path}: {Shorten(value.GetRawText())} is not one of {Shorten(options.GetRawText())}");
        }

        if (schema.TryGetProperty("const", out JsonElement constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: must be {Shorten(constant.GetRawText())}");
        }

        foreach (string keyword in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out JsonElement choices) && choices.ValueKind == JsonValueKind.Array
                && !choices.EnumerateArray().Any(choice => Validate(choice, value).Count == 0))
            {
                errors.Add($"{path}: matches none of the {keyword} choices");
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, errors, depth);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value, path, errors, depth);
                break;
            case JsonValueKind.String:
                CheckString(schema, value.GetString()!, path, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(schema, value.GetDouble(), path, errors);
                break;
        }
    }

    private static void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        if (schema.TryGetProperty("required", out JsonElement required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.GetString() is { } n && (!value.TryGetProperty(n, out JsonElement present) || present.ValueKind == JsonValueKind.Undefined))
                {
                    errors.Add($"{path}: the required property '{n}' is missing");
                }
            }
        }

        bool hasProperties = schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object;
        schema.TryGetProperty("additionalProperties", out JsonElement additional);
        foreach (var property in value.EnumerateObject())
        {
            string childPath = path + "." + property.Name;
            if (hasProperties && properties.TryGetProperty(property.Name, out JsonElement propertySchema))
            {
                Check(propertySchema, property.Value, childPath, errors, depth + 1);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{path}: the property '{property.Name}' is not allowed");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(additional, property.Value, childPath, errors, depth + 1);
            }
        }
    }

    private static void CheckArray(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        int length = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out JsonElement min) && min.TryGetInt32(out int minItems) && length < minItems)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: has {length} items, fewer than {minItems}"));
        }

        if (schema.TryGetProperty("maxItems", out JsonElement max) && max.TryGetInt32(out int maxItems) && length > maxItems)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: has {length} items, more than {maxItems}"));
        }

        if (schema.TryGetProperty("items", out JsonElement items) && items.ValueKind is JsonValueKind.Object or JsonValueKind.False)
        {
            int i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), errors, depth + 1);
            }
        }
    }

    private static void CheckString(JsonElement schema, string text, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minLength", out JsonElement min) && min.TryGetInt32(out int minLength) && text.Length < minLength)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: is shorter than {minLength} characters"));
        }

        if (schema.TryGetProperty("maxLength", out JsonElement max) && max.TryGetInt32(out int maxLength) && text.Length > maxLength)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: is longer than {maxLength} characters"));
        }

        if (schema.TryGetProperty("pattern", out JsonElement pattern) && pattern.GetString() is { } regex)
        {
            try
            {
                if (!Regex.IsMatch(text, regex, RegexOptions.CultureInvariant, PatternTimeout))
                {
                    errors.Add($"{path}: does not match the pattern {regex}");
                }
            }
            catch (RegexMatchTimeoutException)
            {
                errors.Add($"{path}: could not be checked against the pattern {regex} in time");
            }
            catch (ArgumentException)
            {
                // A schema with a pattern .NET cannot read: not checked, as documented for unknown keywords.
            }
        }
    }

    private static void CheckNumber(JsonElement schema, double number, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out JsonElement min) && min.TryGetDouble(out double minimum) && number < minimum)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {number} is below the minimum {minimum}"));
        }

        if (schema.TryGetProperty("maximum", out JsonElement max) && max.TryGetDouble(out double maximum) && number > maximum)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: {number} is above the maximum {maximum}"));
        }
    }

    private static bool MatchesType(JsonElement type, JsonElement value) => type.ValueKind switch
    {
        JsonValueKind.String => MatchesType(type.GetString(), value),
        JsonValueKind.Array => type.EnumerateArray().Any(t => MatchesType(t.GetString(), value)),
        _ => true,
    };

    private static bool MatchesType(string? type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal d) && decimal.Truncate(d) == d,
        _ => true,
    };

    private static string DescribeType(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString()))
        : type.GetString() ?? "a value";

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shorten(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 60), "…");
}
