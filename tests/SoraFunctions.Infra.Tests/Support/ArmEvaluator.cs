using System.Globalization;
using System.Text;

namespace SoraFunctions.Infra.Tests.Support;

/// <summary>A resource that a deployment with given parameter values would create, with its module's parameters.</summary>
/// <param name="Resource">The resource.</param>
/// <param name="Scope">The parameter values of the (module) template that declares it.</param>
public sealed record DeployedResource(TemplateResource Resource, ArmScope Scope)
{
    /// <summary>A property evaluated with the module's parameter values (<see cref="ArmScope.Unknown"/> if it cannot be).</summary>
    public object? Evaluate(string path) => Scope.Evaluate(Resource.At(path));
}

/// <summary>
/// The parameter values of one template (the main template, or a module with what its caller passes), and a small
/// evaluator of the ARM expressions Bicep emits for conditions and conditional values: <c>parameters</c>,
/// <c>variables</c>, <c>if</c>, <c>not</c>, <c>and</c>, <c>or</c>, <c>equals</c>, <c>empty</c>, <c>true</c>,
/// <c>false</c>, <c>null</c>, <c>createObject</c>. Anything else (a reference, a resource id) is
/// <see cref="Unknown"/>, which makes every expression using it unknown too.
/// </summary>
public sealed class ArmScope(JsonObject template, IReadOnlyDictionary<string, object?> parameters)
{
    /// <summary>A value known only at deployment time.</summary>
    public static readonly object Unknown = new();

    /// <summary>The main template with the given values; the rest from their defaults (or unknown).</summary>
    public static ArmScope ForMain(JsonObject template, IReadOnlyDictionary<string, object?> values) =>
        new(template, WithDefaults(template, values));

    /// <summary>Every resource this deployment creates: conditions and module conditions true (or unknown).</summary>
    public IEnumerable<DeployedResource> Deployed()
    {
        foreach (JsonObject resource in Nodes(template))
        {
            object? condition = resource["condition"] is JsonNode c ? Evaluate(c) : true;
            if (condition is false)
            {
                continue;
            }

            TemplateResource current = new(resource, template);
            yield return new DeployedResource(current, this);
            if (current.Type == "Microsoft.Resources/deployments" && current.At("properties.template") is JsonObject nested)
            {
                Dictionary<string, object?> passed = new(StringComparer.Ordinal);
                if (current.At("properties.parameters") is JsonObject given)
                {
                    foreach ((string name, JsonNode? value) in given)
                    {
                        passed[name] = value switch
                        {
                            JsonObject o when o.ContainsKey("value") => Evaluate(o["value"]),
                            JsonValue v => Evaluate(v) is Dictionary<string, object?> wrapped && wrapped.TryGetValue("value", out object? inner) ? inner : Unknown,
                            _ => Unknown,
                        };
                    }
                }

                foreach (DeployedResource inner in new ArmScope(nested, WithDefaults(nested, passed)).Deployed())
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>A node's value: literals as they are, expressions (<c>[...]</c>) evaluated.</summary>
    public object? Evaluate(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s.StartsWith('[') && !s.StartsWith("[[", StringComparison.Ordinal)
            ? new Parser(s[1..^1], this).ParseWhole()
            : s,
        JsonValue v when v.TryGetValue(out bool b) => b,
        JsonValue v when v.TryGetValue(out long l) => l,
        _ => node,
    };

    object? Parameter(string name) => parameters.TryGetValue(name, out object? value) ? value : Unknown;

    object? Variable(string name) => template["variables"] is JsonObject variables && variables.TryGetPropertyValue(name, out JsonNode? node)
        ? Evaluate(node)
        : Unknown;

    static Dictionary<string, object?> WithDefaults(JsonObject template, IReadOnlyDictionary<string, object?> values)
    {
        Dictionary<string, object?> all = new(StringComparer.Ordinal);
        ArmScope defaults = new(template, all);
        if (template["parameters"] is JsonObject declared)
        {
            foreach ((string name, JsonNode? declaration) in declared)
            {
                all[name] = values.TryGetValue(name, out object? given)
                    ? given
                    : declaration?["defaultValue"] is JsonNode d ? defaults.Evaluate(d) : Unknown;
            }
        }

        return all;
    }

    static IEnumerable<JsonObject> Nodes(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    sealed class Parser(string text, ArmScope scope)
    {
        int position;

        public object? ParseWhole()
        {
            object? value = Expression();
            SkipSpace();
            return position == text.Length ? value : Unknown;
        }

        object? Expression()
        {
            object? value = Primary();
            while (true)
            {
                SkipSpace();
                if (Peek('.'))
                {
                    position++;
                    string member = Identifier();
                    value = value is Dictionary<string, object?> obj && obj.TryGetValue(member, out object? m) ? m : Unknown;
                }
                else if (Peek('['))
                {
                    position++;
                    Expression();
                    Expect(']');
                    value = Unknown;
                }
                else
                {
                    return value;
                }
            }
        }

        object? Primary()
        {
            SkipSpace();
            if (Peek('\''))
            {
                return StringLiteral();
            }

            if (position < text.Length && (char.IsDigit(text[position]) || text[position] == '-'))
            {
                int start = position++;
                while (position < text.Length && char.IsDigit(text[position]))
                {
                    position++;
                }

                return long.Parse(text[start..position], CultureInfo.InvariantCulture);
            }

            string name = Identifier();
            Expect('(');
            List<object?> arguments = [];
            SkipSpace();
            while (!Peek(')'))
            {
                arguments.Add(Expression());
                SkipSpace();
                if (Peek(','))
                {
                    position++;
                }
            }

            position++;
            return Call(name, arguments);
        }

        object? Call(string name, List<object?> a)
        {
            bool anyUnknown = a.Any(x => ReferenceEquals(x, Unknown));
            switch (name)
            {
                case "true": return true;
                case "false": return false;
                case "null": return null;
                case "parameters": return a[0] is string p ? scope.Parameter(p) : Unknown;
                case "variables": return a[0] is string v ? scope.Variable(v) : Unknown;
                case "if": return a[0] is bool c ? (c ? a[1] : a[2]) : Unknown;
                case "not": return a[0] is bool b ? !b : Unknown;
                case "and": return anyUnknown ? Unknown : a.All(x => x is true);
                case "or": return anyUnknown ? Unknown : a.Any(x => x is true);
                case "equals": return anyUnknown ? Unknown : Equals(a[0], a[1]);
                case "empty":
                    return a[0] switch
                    {
                        null => true,
                        string s => s.Length == 0,
                        Dictionary<string, object?> o => o.Count == 0,
                        _ => Unknown,
                    };
                case "createObject":
                    Dictionary<string, object?> created = new(StringComparer.Ordinal);
                    for (int i = 0; i + 1 < a.Count; i += 2)
                    {
                        if (a[i] is not string key)
                        {
                            return Unknown;
                        }

                        created[key] = a[i + 1];
                    }

                    return created;
                default: return Unknown;
            }
        }

        string StringLiteral()
        {
            position++;
            StringBuilder builder = new();
            while (position < text.Length)
            {
                char c = text[position++];
                if (c == '\'')
                {
                    if (Peek('\''))
                    {
                        builder.Append('\'');
                        position++;
                        continue;
                    }

                    return builder.ToString();
                }

                builder.Append(c);
            }

            throw new FormatException($"Unterminated string in [{text}].");
        }

        string Identifier()
        {
            SkipSpace();
            int start = position;
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }

            return start == position ? throw new FormatException($"Expected a name at {start} in [{text}].") : text[start..position];
        }

        void Expect(char c)
        {
            SkipSpace();
            if (!Peek(c))
            {
                throw new FormatException($"Expected '{c}' at {position} in [{text}].");
            }

            position++;
        }

        bool Peek(char c) => position < text.Length && text[position] == c;

        void SkipSpace()
        {
            while (position < text.Length && text[position] == ' ')
            {
                position++;
            }
        }
    }
}
