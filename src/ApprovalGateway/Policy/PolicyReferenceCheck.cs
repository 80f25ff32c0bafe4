using ApprovalGateway.Agents;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Proxy;
using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Policy;

/// <summary>
/// Finds what a policy names that this gateway does not have: an <c>agents</c> section no agent here goes by, and
/// a rule's <c>approvers</c> entry that is no configured approver. <c>validate</c> cannot know either, and both
/// fail silently: the section's deny never applies, and the rule's calls wait for people who cannot decide them.
/// Names are compared ignoring case, as the gateway matches agents and approvers.
/// </summary>
internal sealed class PolicyReferenceCheck
{
    private readonly string[] _agents;
    private readonly Dictionary<string, string> _approverByNameOrSlackId = new(StringComparer.OrdinalIgnoreCase);

    public PolicyReferenceCheck(AgentOptions agents, ApproverOptions approvers, bool stdio)
    {
        // Over --stdio every call comes from the one stdio agent; over HTTP from a configured agent, or from
        // "anonymous" when none is configured.
        _agents = stdio ? [agents.StdioAgent]
            : agents.Agents.Count > 0 ? [.. agents.Agents.Keys.Order(StringComparer.OrdinalIgnoreCase)]
            : [AgentClaims.Anonymous];
        foreach (var (name, settings) in approvers.Approvers)
        {
            _approverByNameOrSlackId[name] = name;
            if (!string.IsNullOrWhiteSpace(settings.SlackUserId))
            {
                _approverByNameOrSlackId.TryAdd(settings.SlackUserId, name);
            }
        }
    }

    /// <summary>One plain sentence per problem, naming the policy's own key; empty when everything named exists.</summary>
    public IReadOnlyList<string> Find(PolicyDocument document)
    {
        var warnings = new List<string>();
        foreach (var name in document.Agents.Keys.Where(n => !_agents.Contains(n, StringComparer.OrdinalIgnoreCase)))
        {
            warnings.Add($"agents.{name} applies to no one: no agent of this gateway is named \"{name}\" (its agents: {string.Join(", ", _agents)})");
        }

        // With no approver configured, any Slack user may decide, so there is no list to hold the rules against.
        if (_approverByNameOrSlackId.Count > 0)
        {
            foreach (var (rule, approval) in ApprovalBlocks(document).Where(r => r.Approval.Approvers.Count > 0))
            {
                CheckApprovers(rule, approval, warnings);
            }
        }

        return warnings;
    }

    private void CheckApprovers(string rule, ApprovalSettings approval, List<string> warnings)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in approval.Approvers)
        {
            if (_approverByNameOrSlackId.TryGetValue(entry, out var approver))
            {
                found.Add(approver);
            }
            else
            {
                warnings.Add($"{rule}.approval.approvers: \"{entry}\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls");
            }
        }

        if (found.Count == 0)
        {
            warnings.Add($"{rule}.approval.approvers: none of the listed approvers is configured, so calls held by this rule can only time out");
        }
        else if (found.Count < approval.Approvals)
        {
            warnings.Add($"{rule}.approval: {approval.Approvals} approvals are needed but only {found.Count} of the listed approvers {(found.Count == 1 ? "is" : "are")} configured, so calls held by this rule can only time out");
        }
    }

    /// <summary>Every rule with its name as decisions give it (tools["X"], agents.a.risk.high).</summary>
    private static IEnumerable<(string Rule, ApprovalSettings Approval)> ApprovalBlocks(PolicyDocument document)
    {
        var scopes = document.Agents
            .Select(a => ($"agents.{a.Key}.", a.Value.Tools, a.Value.Risk))
            .Prepend((string.Empty, document.Tools, document.Risk));
        foreach (var (prefix, tools, risk) in scopes)
        {
            foreach (var (pattern, rule) in tools)
            {
                yield return ($"{prefix}tools[\"{pattern}\"]", rule.Approval);
            }

            foreach (var (riskClass, rule) in risk)
            {
                yield return ($"{prefix}risk.{riskClass.ToWireName()}", rule.Approval);
            }
        }
    }
}
