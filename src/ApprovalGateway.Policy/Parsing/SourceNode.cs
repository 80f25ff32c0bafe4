using System.Text.Json;

namespace ApprovalGateway.Policy.Parsing;

/// <summary>A JSON value with the byte offset it starts at, so semantic errors can name their line.</summary>
internal sealed class SourceNode(JsonValueKind kind, int offset)
{
    public JsonValueKind Kind { get; } = kind;

    public int Offset { get; } = offset;

    public string? Text { get; init; }

    /// <summary>The number as written; a number beyond a double's range reads as infinity.</summary>
    public double Number { get; init; }

    public List<SourceProperty> Properties { get; } = [];

    public List<SourceNode> Items { get; } = [];

    public string Describe() => Kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
