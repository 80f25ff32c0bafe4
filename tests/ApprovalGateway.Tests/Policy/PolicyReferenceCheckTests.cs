using ApprovalGateway.Agents;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Parsing;
using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Tests.Policy;

/// <summary>
/// A policy can name agents and approvers this gateway does not have; validate cannot know, so the running gateway
/// says which, rather than leave a deny that never applies or a held call nobody may decide.
/// </summary>
public sealed class PolicyReferenceCheckTests
{
    [Fact]
    public void Find_NamesAnAgentSectionNoConfiguredAgentGoesBy_AndIgnoresCase()
    {
        var check = Check(agents: ["bot1", "bot2"]);

        var warnings = Find(check, """{ "agents": { "Bot1": { "default": "deny" }, "ghost": { "default": "deny" } } }""");

        Assert.Equal(["agents.ghost applies to no one: no agent of this gateway is named \"ghost\" (its agents: bot1, bot2)"], warnings);
    }

    [Fact]
    public void Find_KnowsOnlyAnonymous_WhenNoAgentIsConfigured()
    {
        var warnings = Find(Check(agents: []), """{ "agents": { "anonymous": { "default": "deny" }, "bot1": { "default": "deny" } } }""");

        Assert.Equal(["agents.bot1 applies to no one: no agent of this gateway is named \"bot1\" (its agents: anonymous)"], warnings);
    }

    [Fact]
    public void Find_KnowsOnlyTheStdioAgent_OverStdio()
    {
        var check = Check(agents: ["bot1"], stdioAgent: "claude-desktop");

        var warnings = Find(check, """{ "agents": { "Claude-Desktop": { "default": "deny" }, "bot1": { "default": "deny" } } }""");

        Assert.Equal(["agents.bot1 applies to no one: no agent of this gateway is named \"bot1\" (its agents: claude-desktop)"], warnings);
    }

    [Fact]
    public void Find_NamesRuleApproversThatAreNoConfiguredApprover_ByNameOrSlackUserId()
    {
        var check = Check(agents: ["bot1"]);

        var warnings = Find(check, """
            { "tools": { "X": { "action": "require_approval", "approval": { "approvers": ["bobb", "ualice"] } },
                         "Y": { "action": "require_approval", "approval": { "approvers": ["Bob", "UALICE"], "approvals": 2 } },
                         "Z": { "action": "require_approval", "approval": { "approvers": ["bob", "carl"], "approvals": 2 } } },
              "agents": { "bot1": { "risk": { "high": { "action": "require_approval", "approval": { "approvers": ["carl"] } } } } } }
            """);

        Assert.Equal(
            [
                "tools[\"X\"].approval.approvers: \"bobb\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls",
                "tools[\"Z\"].approval.approvers: \"carl\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls",
                "tools[\"Z\"].approval: 2 approvals are needed but only 1 of the listed approvers is configured, so calls held by this rule can only time out",
                "agents.bot1.risk.high.approval.approvers: \"carl\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls",
                "agents.bot1.risk.high.approval.approvers: none of the listed approvers is configured, so calls held by this rule can only time out",
            ],
            warnings);
    }

    [Fact]
    public void Find_NamesRulesTheConfiguredApproversCannotSatisfy_CountingEveryApprover_AndLeavingOutAnAgentsOwner()
    {
        var agents = new AgentOptions();
        agents.Agents["bot1"] = new AgentSettings { ApiKey = "bot1-key-0123456789abcdef", Owner = "UALICE" };
        agents.Agents["bot2"] = new AgentSettings { ApiKey = "bot2-key-0123456789abcdef" };
        var check = new PolicyReferenceCheck(agents, TwoApprovers(), stdio: false, slack: true);

        // Before, both rules loaded without a word, and their calls could only time out (alice, bob; bot1 is alice's).
        var warnings = Find(check, """
            { "tools": { "Delete": { "action": "require_approval", "approval": { "approvals": 3 } },
                         "Order": { "action": "require_approval", "approval": { "approvals": 2, "approvers": ["alice", "bob"] } },
                         "Read": { "action": "allow", "approval": { "approvals": 3 } },
                         "Ping": { "action": "require_approval" } } }
            """);

        Assert.Equal(
            [
                "tools[\"Delete\"].approval: 3 approvals are needed but only 2 approvers are configured, so calls held by this rule can only time out",
                "tools[\"Order\"].approval: calls of agent bot1 can only time out: its owner alice may not approve them, which leaves 1 of the 2 approvers needed",
            ],
            warnings);
    }

    [Fact]
    public void Find_LeavesRuleApproversAlone_WhenNoApproverIsConfiguredButSlackIs()
    {
        var check = new PolicyReferenceCheck(new AgentOptions(), new ApproverOptions(), stdio: false, slack: true);

        Assert.Empty(Find(check, """{ "tools": { "X": { "action": "require_approval", "approval": { "approvers": ["U024BE7LH"] } } } }"""));
    }

    [Fact]
    public void Find_NamesRuleApproversNoOneCanDecideAs_WhenNeitherApproversNorSlackAreConfigured()
    {
        var agents = new AgentOptions();
        agents.Agents["bot1"] = new AgentSettings { ApiKey = "bot1-key-0123456789abcdef", Owner = "carol" };
        agents.Agents["bot2"] = new AgentSettings { ApiKey = "bot2-key-0123456789abcdef" };
        var check = new PolicyReferenceCheck(agents, new ApproverOptions(), stdio: false, slack: false);

        // The page and API decide as "local"; an agent's own client, where the rule asks there, as its owner or itself.
        var warnings = Find(check, """
            { "tools": { "Order": { "action": "require_approval", "approval": { "approvers": ["alice", "Bob"] } },
                         "Local": { "action": "require_approval", "approval": { "approvers": ["LOCAL", "alice"] } },
                         "Asked": { "action": "require_approval", "approval": { "approvers": ["carol", "bot2"], "channels": ["web", "elicitation"] } } },
              "agents": { "bot2": { "risk": { "high": { "action": "require_approval", "approval": { "approvers": ["carol"], "channels": ["elicitation"] } } } } } }
            """);

        const string why = "no approver is configured (Approvers:{name}) and Slack is not configured, so the page and API decide as \"local\"";
        Assert.Equal(
            [
                $"tools[\"Order\"].approval.approvers: \"alice\", \"Bob\" can never decide this rule's calls, so they can only time out: {why}",
                $"tools[\"Local\"].approval.approvers: \"alice\" can never decide this rule's calls: {why}",
                $"agents.bot2.risk.high.approval.approvers: \"carol\" can never decide this rule's calls, so they can only time out: {why}",
            ],
            warnings);
    }

    [Fact]
    public void Find_NamesATwoPersonRule_WhenOnlyLocalCanDecide_WithNeitherApproversNorSlackConfigured()
    {
        var agents = new AgentOptions();
        agents.Agents["bot1"] = new AgentSettings { ApiKey = "bot1-key-0123456789abcdef", Owner = "carol" };
        var check = new PolicyReferenceCheck(agents, new ApproverOptions(), stdio: false, slack: false);

        // Everyone on the page is "local"; with the agent's own client asked too, its owner is a second person.
        var warnings = Find(check, """
            { "tools": { "Wire": { "action": "require_approval", "approval": { "approvals": 2 } },
                         "Asked": { "action": "require_approval", "approval": { "approvals": 2, "channels": ["web", "elicitation"] } } } }
            """);

        Assert.Equal(
            ["tools[\"Wire\"].approval: 2 approvals are needed but only \"local\" can decide here (no approver is configured (Approvers:{name}) and Slack is not configured), so calls held by this rule can only time out"],
            warnings);
    }

    [Fact]
    public void Find_GivesEachWarningTheLineAndColumnOfWhatItIsAbout_AsTheParsersOwnWarningsHaveThem()
    {
        var agents = new AgentOptions();
        agents.Agents["bot1"] = new AgentSettings { ApiKey = "bot1-key-0123456789abcdef", Owner = "alice" };
        var check = new PolicyReferenceCheck(agents, TwoApprovers(), stdio: false, slack: true);

        // Before, these had no line, while a misspelt key had one: in a long policy an admin searched for the rule.
        var warnings = check.Find(Parse("""
            {
              "agents": {
                "ghost": { "default": "deny" }
              },
              "tools": {
                "X": { "action": "require_approval",
                       "approval": { "approvers": ["bob", "carl"] } },
                "Y": {
                  "action": "require_approval",
                  "approval": {
                    "approvers": ["alice", "bob"],
                    "approvals": 2
                  }
                },
                "Z": { "action": "require_approval", "approval": { "approvers": ["dave"] } }
              }
            }
            """));

        Assert.Equal([(3, 5), (7, 47), (12, 9), (15, 70), (15, 56)], warnings.Select(w => (w.Line, w.Column)));
        Assert.Equal(
            ["agents.ghost", "tools[\"X\"].approval.approvers", "tools[\"Y\"].approval", "tools[\"Z\"].approval.approvers", "tools[\"Z\"].approval.approvers"],
            warnings.Select(w => w.Message[..w.Message.IndexOfAny([' ', ':'])]));
    }

    private static PolicyReferenceCheck Check(string[] agents, string? stdioAgent = null)
    {
        var agentOptions = new AgentOptions { StdioAgent = stdioAgent ?? "stdio" };
        foreach (var agent in agents)
        {
            agentOptions.Agents[agent] = new AgentSettings { ApiKey = $"{agent}-key-0123456789abcdef" };
        }

        return new PolicyReferenceCheck(agentOptions, TwoApprovers(), stdio: stdioAgent is not null, slack: true);
    }

    private static ApproverOptions TwoApprovers()
    {
        var approvers = new ApproverOptions();
        approvers.Approvers["alice"] = new ApproverSettings { SlackUserId = "UALICE" };
        approvers.Approvers["bob"] = new ApproverSettings();
        return approvers;
    }

    /// <summary>The messages of the warnings, in order.</summary>
    private static List<string> Find(PolicyReferenceCheck check, string json) => [.. check.Find(Parse(json)).Select(w => w.Message)];

    private static PolicyParseResult Parse(string json)
    {
        var result = PolicyParser.Parse(json, "policy.json");
        Assert.True(result.IsValid, result.FormatErrors());
        return result;
    }
}
