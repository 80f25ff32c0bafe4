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

        var warnings = check.Find(Parse("""{ "agents": { "Bot1": { "default": "deny" }, "ghost": { "default": "deny" } } }"""));

        Assert.Equal(["agents.ghost applies to no one: no agent of this gateway is named \"ghost\" (its agents: bot1, bot2)"], warnings);
    }

    [Fact]
    public void Find_KnowsOnlyAnonymous_WhenNoAgentIsConfigured()
    {
        var warnings = Check(agents: []).Find(Parse("""{ "agents": { "anonymous": { "default": "deny" }, "bot1": { "default": "deny" } } }"""));

        Assert.Equal(["agents.bot1 applies to no one: no agent of this gateway is named \"bot1\" (its agents: anonymous)"], warnings);
    }

    [Fact]
    public void Find_KnowsOnlyTheStdioAgent_OverStdio()
    {
        var check = Check(agents: ["bot1"], stdioAgent: "claude-desktop");

        var warnings = check.Find(Parse("""{ "agents": { "Claude-Desktop": { "default": "deny" }, "bot1": { "default": "deny" } } }"""));

        Assert.Equal(["agents.bot1 applies to no one: no agent of this gateway is named \"bot1\" (its agents: claude-desktop)"], warnings);
    }

    [Fact]
    public void Find_NamesRuleApproversThatAreNoConfiguredApprover_ByNameOrSlackUserId()
    {
        var check = Check(agents: ["bot1"]);

        var warnings = check.Find(Parse("""
            { "tools": { "X": { "action": "require_approval", "approval": { "approvers": ["bobb", "ualice"] } },
                         "Y": { "action": "require_approval", "approval": { "approvers": ["Bob", "UALICE"], "approvals": 2 } },
                         "Z": { "action": "require_approval", "approval": { "approvers": ["bob", "carl"], "approvals": 2 } } },
              "agents": { "bot1": { "risk": { "high": { "action": "require_approval", "approval": { "approvers": ["carl"] } } } } } }
            """));

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
    public void Find_LeavesRuleApproversAlone_WhenNoApproverIsConfigured()
    {
        var check = new PolicyReferenceCheck(new AgentOptions(), new ApproverOptions(), stdio: false);

        Assert.Empty(check.Find(Parse("""{ "tools": { "X": { "action": "require_approval", "approval": { "approvers": ["U024BE7LH"] } } } }""")));
    }

    private static PolicyReferenceCheck Check(string[] agents, string? stdioAgent = null)
    {
        var agentOptions = new AgentOptions { StdioAgent = stdioAgent ?? "stdio" };
        foreach (var agent in agents)
        {
            agentOptions.Agents[agent] = new AgentSettings { ApiKey = $"{agent}-key-0123456789abcdef" };
        }

        var approvers = new ApproverOptions();
        approvers.Approvers["alice"] = new ApproverSettings { SlackUserId = "UALICE" };
        approvers.Approvers["bob"] = new ApproverSettings();
        return new PolicyReferenceCheck(agentOptions, approvers, stdio: stdioAgent is not null);
    }

    private static PolicyDocument Parse(string json)
    {
        var result = PolicyParser.Parse(json, "policy.json");
        Assert.True(result.IsValid, result.FormatErrors());
        return result.Document;
    }
}
