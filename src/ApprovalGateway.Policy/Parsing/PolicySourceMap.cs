namespace ApprovalGateway.Policy.Parsing;

/// <summary>
/// Where a valid policy writes each agent section, rule, rule setting, approval setting and listed approver, under the
/// name messages give it (<c>agents.bot1</c>, <c>tools["X"]</c>, <c>agents.bot1.risk.high.approval.approvals</c>,
/// <c>tools["X"].approval.approvers[1]</c>), so a check made after parsing (the gateway's, against the agents and
/// approvers it has) names the line as the parser's own warnings do.
/// </summary>
public sealed class PolicySourceMap
{
    private readonly IReadOnlyDictionary<string, int> _offsets;
    private readonly LineMap? _lines;

    internal PolicySourceMap(IReadOnlyDictionary<string, int> offsets, LineMap lines) => (_offsets, _lines) = (offsets, lines);

    private PolicySourceMap() => _offsets = new Dictionary<string, int>();

    /// <summary>No places: a policy not read from text.</summary>
    public static PolicySourceMap None { get; } = new();

    /// <summary>
    /// The 1-based line and column of the first of <paramref name="places"/> the file writes (the most precise first,
    /// then what holds it: a default the rule leaves out has no line of its own); (0, 0) when it writes none of them.
    /// </summary>
    public (int Line, int Column) Locate(params ReadOnlySpan<string> places)
    {
        foreach (var place in places)
        {
            if (_lines is not null && _offsets.TryGetValue(place, out var offset))
            {
                return _lines.Locate(offset);
            }
        }

        return (0, 0);
    }
}
