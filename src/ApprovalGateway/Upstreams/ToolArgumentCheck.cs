using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Text;
using Json.Schema;
using ApprovalGateway.Slack;
using ModelContextProtocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Checks a held call's arguments against the tool's own <c>inputSchema</c>, so an approver sees that the call is
/// not what the tool takes (a missing field, a string for a number, a parameter the tool does not declare) before
/// approving it. Advisory: the upstream judges its own schema, so nothing is refused on this, and a schema this
/// check cannot read (an unknown dialect, a remote <c>$ref</c>) finds nothing.
/// </summary>
internal static class ToolArgumentCheck
{
    /// <summary>Enough to tell the approver what is wrong; a schema at odds with every field would fill the card.</summary>
    public const int MaxProblems = 6;

    private const int MaxProblemLength = 200;

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    /// <summary>What does not match, one line each, naming the argument and never quoting its value.</summary>
    public static IReadOnlyList<string> Problems(UpstreamTool tool, JsonObject arguments)
    {
        if (tool.Definition["inputSchema"] is not JsonObject schema)
        {
            return [];
        }

        EvaluationResults results;
        try
        {
            var options = McpJsonUtilities.DefaultOptions;
            // A registry of its own: tools of different upstreams may declare the same $id with different schemas.
            var built = JsonSchema.Build(
                JsonSerializer.SerializeToElement(schema, options.GetTypeInfo(typeof(JsonObject))),
                new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                new Uri($"urn:approval-gateway:tool:{Uri.EscapeDataString(tool.Name)}"));
            results = built.Evaluate(JsonSerializer.SerializeToElement(arguments, options.GetTypeInfo(typeof(JsonObject))), Evaluation);
        }
        catch (Exception)
        {
            // Only advice: a schema the check cannot build or run must not stand in the way of the hold itself.
            return [];
        }

        var problems = new List<string>();
        foreach (var result in results.IsValid ? [] : (IEnumerable<EvaluationResults>?)results.Details ?? [results])
        {
            foreach (var (keyword, message) in result.Errors ?? new Dictionary<string, string>())
            {
                var pointer = result.InstanceLocation.ToString();
                var line = Line(Where(pointer), Undeclared(result, keyword) ? "the tool declares no such parameter" : WithoutTheValue(message, keyword, At(arguments, pointer)));
                if (!problems.Contains(line, StringComparer.Ordinal))
                {
                    problems.Add(line);
                }
            }
        }

        foreach (var name in UndeclaredParameters(schema, arguments))
        {
            var line = Line(InvisibleCharacters.Escape(name), "the tool declares no such parameter");
            if (!problems.Contains(line, StringComparer.Ordinal))
            {
                problems.Add(line);
            }
        }

        return problems.Count <= MaxProblems
            ? problems
            : [.. problems.Take(MaxProblems - 1), $"and {problems.Count - MaxProblems + 1} more"];
    }

    /// <summary>
    /// The approver sees the arguments with secrets masked, so a message must not quote the value it is about
    /// (the library's bounds do: "3 should be at least 5"). A value it leads with becomes "Value"; one it quotes
    /// elsewhere leaves only the keyword.
    /// </summary>
    private static string WithoutTheValue(string message, string keyword, JsonNode? value)
    {
        if (value is not JsonValue)
        {
            return message;
        }

        foreach (var text in new[] { value.ToJsonString(), value.AsString() }.OfType<string>().Where(t => t.Length > 0))
        {
            if (message.StartsWith(text + " ", StringComparison.Ordinal))
            {
                message = string.Concat("Value", message.AsSpan(text.Length));
            }

            if (text.Length >= 3 && message.Contains(text, StringComparison.Ordinal))
            {
                return $"does not satisfy the schema's '{keyword}'";
            }
        }

        return message;
    }

    private static JsonNode? At(JsonNode? node, string pointer)
    {
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[name],
                JsonArray a when int.TryParse(name, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    /// <summary>
    /// Top-level arguments the schema does not list. Most tools' schemas leave additional properties open, so the
    /// schema itself allows them; but a parameter the tool does not declare is either ignored or honoured without being
    /// documented (an unexpected <c>apiKey</c> on a withdrawal), and either way the approver should know. A schema that
    /// takes extra properties on purpose (<c>additionalProperties</c> or <c>patternProperties</c> given as a schema)
    /// is left alone.
    /// </summary>
    private static IEnumerable<string> UndeclaredParameters(JsonObject schema, JsonObject arguments)
    {
        var extras = schema["additionalProperties"];
        var takesExtras = extras is JsonObject || (extras is JsonValue open && open.TryGetValue<bool>(out var allowed) && allowed);
        if (schema["properties"] is not JsonObject declared || schema.ContainsKey("patternProperties") || takesExtras)
        {
            return [];
        }

        return arguments.Select(p => p.Key).Where(name => !declared.ContainsKey(name));
    }

    /// <summary>A property the schema closes off fails against the <c>false</c> schema, whose own message says nothing useful.</summary>
    private static bool Undeclared(EvaluationResults result, string keyword) =>
        keyword.Length == 0 && result.EvaluationPath.ToString() is var path
            && (path.Contains("/additionalProperties", StringComparison.Ordinal) || path.Contains("/unevaluatedProperties", StringComparison.Ordinal));

    /// <summary>The argument's path as the approver reads it; a name the agent chose cannot hide characters in it.</summary>
    private static string Where(string pointer) =>
        pointer.Length == 0
            ? "arguments"
            : InvisibleCharacters.Escape(pointer.TrimStart('/').Replace('/', '.').Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));

    private static string Line(string where, string message)
    {
        var line = $"{where}: {message}";
        return ShortText.Fit(line, MaxProblemLength);
    }
}
