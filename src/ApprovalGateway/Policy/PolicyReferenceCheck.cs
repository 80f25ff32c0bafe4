using ApprovalGateway.Agents;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Parsing;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Proxy;
using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Policy;

/// <summary>
/// Finds what a policy names that this gateway does not have: an <c>agents</c> section no agent here goes by, and
/// a rule's <c>approvers</c> entry that is no configured approver. <c>validate</c> cannot know either, and both
/// fail silently: the section's deny never applies, and the rule's calls wait for people who cannot decide them.
/// Names are compared ignoring case, as the gateway matches agents and approvers. With no approver configured and no
/// Slack, a rule's <c>approvers</c> are held against the few names anyone can decide as here. Each warning has the line
/// and column of what it is about (the agent section, the listed approver, the rule's <c>approvals</c>), as the
/// parser's own warnings do.
/// </summary>
internal sealed class PolicyReferenceCheck
{
    private readonly string[] _agents;
    private readonly Dictionary<string, string> _approverByNameOrSlackId = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _approvers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Agents whose owner is a configured approver, with that approver's name: the owner may not approve them.</summary>
    private readonly Dictionary<string, string> _ownerApprover = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Each agent with the name its own client answers an elicitation prompt as: its owner, or itself.</summary>
    private readonly Dictionary<string, string> _agentSide = new(StringComparer.OrdinalIgnoreCase);

    private readonly bool _slack;

    public PolicyReferenceCheck(AgentOptions agents, ApproverOptions approvers, bool stdio, bool slack)
    {
        _slack = slack;
        // Over --stdio every call comes from the one stdio agent; over HTTP from a configured agent, or from
        // "anonymous" when none is configured.
        _agents = stdio ? [agents.StdioAgent]
            : agents.Agents.Count > 0 ? [.. agents.Agents.Keys.Order(StringComparer.OrdinalIgnoreCase)]
            : [AgentClaims.Anonymous];
        foreach (var agent in _agents)
        {
            _agentSide[agent] = agents.Agents.TryGetValue(agent, out var settings) && settings.Owner is { Length: > 0 } owner ? owner : agent;
        }

        foreach (var (name, settings) in approvers.Approvers)
        {
            _approvers.Add(name);
            _approverByNameOrSlackId[name] = name;
            if (!string.IsNullOrWhiteSpace(settings.SlackUserId))
            {
                _approverByNameOrSlackId.TryAdd(settings.SlackUserId, name);
            }
        }

        foreach (var (agent, settings) in agents.Agents)
        {
            if (settings.Owner is { } owner && _approverByNameOrSlackId.TryGetValue(owner, out var approver))
            {
                _ownerApprover[agent] = approver;
            }
        }
    }

    /// <summary>
    /// One plain sentence per problem, naming the policy's own key, at its line; empty when everything named exists.
    /// </summary>
    /// <param name="policy">A valid policy, with the places its parse found.</param>
    public IReadOnlyList<PolicyError> Find(PolicyParseResult policy)
    {
        var document = policy.Document ?? throw new ArgumentException("Only a valid policy can be checked.", nameof(policy));
        var warnings = new Warnings(policy.Places);
        foreach (var name in document.Agents.Keys.Where(n => !_agents.Contains(n, StringComparer.OrdinalIgnoreCase)))
        {
            warnings.Add($"agents.{name} applies to no one: no agent of this gateway is named \"{name}\" (its agents: {string.Join(", ", _agents)})", $"agents.{name}");
        }

        // With no approver configured, any Slack user may decide, so there is no list to hold the rules against;
        // without Slack either, only the few names the gateway decides as are.
        if (_approverByNameOrSlackId.Count > 0)
        {
            foreach (var (rule, agent, ruleDocument) in ApprovalBlocks(document))
            {
                var approval = ruleDocument.Approval;
                var eligible = approval.Approvers.Count > 0 ? CheckApprovers(rule, approval, warnings) : _approvers;
                if (ruleDocument.Action != PolicyAction.RequireApproval || eligible.Count < approval.Approvals)
                {
                    if (ruleDocument.Action == PolicyAction.RequireApproval && approval.Approvers.Count == 0)
                    {
                        warnings.Add(
                            $"{rule}.approval: {approval.Approvals} approvals are needed but only {_approvers.Count} {(_approvers.Count == 1 ? "approver is" : "approvers are")} configured, so calls held by this rule can only time out",
                            Approvals(rule));
                    }

                    continue;
                }

                CheckOwners(rule, agent, approval, eligible, warnings);
            }
        }
        else if (!_slack)
        {
            foreach (var (rule, agent, ruleDocument) in ApprovalBlocks(document).Where(b => b.Document.Action == PolicyAction.RequireApproval))
            {
                CheckApproversWithNoneConfigured(rule, agent, ruleDocument.Approval, warnings);
            }
        }

        return warnings.Found;
    }

    /// <summary>Where a warning about a rule's number of approvals points: its <c>approvals</c>, else what holds the default.</summary>
    private static string[] Approvals(string rule) => [$"{rule}.approval.approvals", $"{rule}.approval", rule];

    /// <summary>
    /// An owner may not approve their agent's calls (unless the rule allows self-approval and needs one approval),
    /// so a rule whose people are too few without the owner holds that agent's calls until they time out.
    /// </summary>
    private void CheckOwners(string rule, string? scopeAgent, ApprovalSettings approval, IReadOnlySet<string> eligible, Warnings warnings)
    {
        if (approval.AllowSelfApproval && approval.Approvals == 1)
        {
            return;
        }

        foreach (var (agent, owner) in _ownerApprover.Where(o => scopeAgent is null || string.Equals(o.Key, scopeAgent, StringComparison.OrdinalIgnoreCase)))
        {
            var left = eligible.Count(a => !string.Equals(a, owner, StringComparison.OrdinalIgnoreCase));
            if (left < approval.Approvals)
            {
                warnings.Add(
                    $"{rule}.approval: calls of agent {agent} can only time out: its owner {owner} may not approve them, which leaves {left} of the {approval.Approvals} approvers needed",
                    Approvals(rule));
            }
        }
    }

    /// <summary>Warns of the listed approvers that are not configured, and returns those that are.</summary>
    private HashSet<string> CheckApprovers(string rule, ApprovalSettings approval, Warnings warnings)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < approval.Approvers.Count; i++)
        {
            var entry = approval.Approvers[i];
            if (_approverByNameOrSlackId.TryGetValue(entry, out var approver))
            {
                found.Add(approver);
            }
            else
            {
                warnings.Add(
                    $"{rule}.approval.approvers: \"{entry}\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls",
                    $"{rule}.approval.approvers[{i}]");
            }
        }

        if (found.Count == 0)
        {
            warnings.Add($"{rule}.approval.approvers: none of the listed approvers is configured, so calls held by this rule can only time out", $"{rule}.approval.approvers");
        }
        else if (found.Count < approval.Approvals)
        {
            warnings.Add(
                $"{rule}.approval: {approval.Approvals} approvals are needed but only {found.Count} of the listed approvers {(found.Count == 1 ? "is" : "are")} configured, so calls held by this rule can only time out",
                Approvals(rule));
        }

        return found;
    }

    /// <summary>
    /// With no approver configured and no Slack, the page and API decide as "local" (loopback only), and an agent's
    /// own client, where the rule asks there, as the agent's owner or the agent: no other listed name can ever decide,
    /// and a rule cannot have more approvals than there are such names.
    /// </summary>
    private void CheckApproversWithNoneConfigured(string rule, string? scopeAgent, ApprovalSettings approval, Warnings warnings)
    {
        var deciders = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ApproverSchemes.LocalName };
        if (approval.Channels.Contains("elicitation", StringComparer.Ordinal))
        {
            deciders.UnionWith(_agentSide.Where(a => scopeAgent is null || string.Equals(a.Key, scopeAgent, StringComparison.OrdinalIgnoreCase)).Select(a => a.Value));
        }

        const string Why = "no approver is configured (Approvers:{name}) and Slack is not configured";
        if (approval.Approvers.Count > 0)
        {
            var unknown = approval.Approvers.Where(a => !deciders.Contains(a)).ToList();
            if (unknown.Count > 0)
            {
                var names = string.Join(", ", unknown.Select(n => $"\"{n}\""));
                var outcome = unknown.Count == approval.Approvers.Count ? ", so they can only time out" : "";
                warnings.Add(
                    $"{rule}.approval.approvers: {names} can never decide this rule's calls{outcome}: {Why}, so the page and API decide as \"{ApproverSchemes.LocalName}\"",
                    $"{rule}.approval.approvers");
            }

            deciders.IntersectWith(approval.Approvers);
        }

        // None left is the warning above; a two-person rule with one person here is this one.
        if (deciders.Count > 0 && deciders.Count < approval.Approvals)
        {
            var names = string.Join(", ", deciders.Order(StringComparer.OrdinalIgnoreCase).Select(n => $"\"{n}\""));
            warnings.Add($"{rule}.approval: {approval.Approvals} approvals are needed but only {names} can decide here ({Why}), so calls held by this rule can only time out", Approvals(rule));
        }
    }

    /// <summary>Every rule with its name as decisions give it (tools["X"], agents.a.risk.high), and the agent it is for.</summary>
    private static IEnumerable<(string Rule, string? Agent, RuleDocument Document)> ApprovalBlocks(PolicyDocument document)
    {
        var scopes = document.Agents
            .Select(a => ($"agents.{a.Key}.", (string?)a.Key, a.Value.Tools, a.Value.Risk))
            .Prepend((string.Empty, null, document.Tools, document.Risk));
        foreach (var (prefix, agent, tools, risk) in scopes)
        {
            foreach (var (pattern, rule) in tools)
            {
                yield return ($"{prefix}tools[\"{pattern}\"]", agent, rule);
            }

            foreach (var (riskClass, rule) in risk)
            {
                yield return ($"{prefix}risk.{riskClass.ToWireName()}", agent, rule);
            }
        }
    }

    /// <summary>The warnings found so far, each at the first of its places the file writes.</summary>
    private sealed class Warnings(PolicySourceMap places)
    {
        public List<PolicyError> Found { get; } = [];

        public void Add(string message, params ReadOnlySpan<string> at)
        {
            var (line, column) = places.Locate(at);
            Found.Add(new PolicyError(line, column, message));
        }
    }
}
