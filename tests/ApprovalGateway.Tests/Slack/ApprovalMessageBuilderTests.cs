using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Slack;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Slack;

public sealed class ApprovalMessageBuilderTests
{
    private static readonly ApprovalMessageBuilder Builder = new(Options.Create(new SlackOptions { PublicBaseUrl = "https://gateway.example/approvals" }));

    [Fact]
    public void Build_ShowsToolAgentRiskAndButtonsCarryingApprovalId_WhenPending()
    {
        var message = Render(TestApprovals.Pending("apr_42"));

        Assert.Contains("place_order", message.AllText, StringComparison.Ordinal);
        Assert.Contains("exchange", message.AllText, StringComparison.Ordinal);
        Assert.Contains("trader-bot", message.AllText, StringComparison.Ordinal);
        Assert.Contains("high", message.AllText, StringComparison.Ordinal);
        Assert.Contains("moves money", message.AllText, StringComparison.Ordinal);
        Assert.Contains("apr_42", message.AllText, StringComparison.Ordinal);
        Assert.Contains("expires 14:03:00 UTC", message.AllText, StringComparison.Ordinal);
        Assert.Equal(["approve", "reject"], message.Buttons.Select(b => (string)b["action_id"]!));
        Assert.All(message.Buttons, b => Assert.Equal("apr_42", (string?)b["value"]));
        Assert.Equal(["primary", "danger"], message.Buttons.Select(b => (string?)b["style"]));
        Assert.All(message.Buttons, b => Assert.Null(b["confirm"]));
        Assert.Equal("Approval needed: place_order on exchange for trader-bot (high risk)", message.Text);
    }

    [Fact]
    public void Build_AsksForConfirmation_WhenRiskIsCritical()
    {
        var message = Render(TestApprovals.Pending(risk: RiskClass.Critical));

        var approve = message.Buttons.Single(b => (string?)b["action_id"] == "approve");
        Assert.NotNull(approve["confirm"]?["title"]);
        Assert.Null(message.Buttons.Single(b => (string?)b["action_id"] == "reject")["confirm"]);
    }

    [Fact]
    public void Build_OffersGrantButton_WhenRuleAllowsGrants()
    {
        var message = Render(TestApprovals.Pending(settings: ApprovalSettings.Default with { GrantMinutes = 30 }));

        var grant = message.Buttons.Single(b => (string?)b["action_id"] == "approve_grant");
        Assert.Equal("Approve for 30 min", (string?)grant["text"]?["text"]);
    }

    [Fact]
    public void Build_MasksSecrets_WhenArgumentsHoldThem()
    {
        var arguments = new JsonObject { ["symbol"] = "ETHUSDT", ["apiKey"] = "AKIA-very-secret", ["auth"] = new JsonObject { ["password"] = "hunter2" } };

        var message = Render(TestApprovals.Pending(arguments: arguments));

        Assert.DoesNotContain("AKIA-very-secret", message.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message.AllText, StringComparison.Ordinal);
        Assert.Contains("ETHUSDT", message.AllText, StringComparison.Ordinal);
        Assert.Contains("\"apiKey\": \"***\"", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TruncatesArgumentsUnderSlackLimitAndLinksThePage_WhenArgumentsAreLong()
    {
        var arguments = new JsonObject { ["note"] = new string('x', 5000) + "<end>" };

        var message = Render(TestApprovals.Pending(arguments: arguments));

        var sections = message.Blocks.OfType<JsonObject>().Where(b => (string?)b["type"] == "section").Select(b => (string)b["text"]!["text"]!).ToList();
        Assert.All(sections, s => Assert.True(s.Length <= 3000, $"section of {s.Length} chars"));
        var args = sections.Single(s => s.StartsWith("*Arguments*", StringComparison.Ordinal));
        Assert.Contains("<https://gateway.example/approvals|", args, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;end&gt;", args, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EscapesMrkdwnControlCharacters_WhenArgumentsContainThem()
    {
        var message = Render(TestApprovals.Pending(arguments: new JsonObject { ["note"] = "<!channel> & co" }));

        Assert.Contains("&lt;!channel&gt; &amp; co", message.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RemovesButtonsAndNamesApprover_WhenApproved()
    {
        var approved = TestApprovals.Pending().Resolved(ApprovalStatus.Approved, null, TestApprovals.Vote("alice", "U024BE7LH", approve: true));

        var message = Render(approved);

        Assert.Empty(message.Buttons);
        Assert.Contains("Approved by <@U024BE7LH> at 14:02:11", message.AllText, StringComparison.Ordinal);
        Assert.StartsWith("Approved: place_order", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShowsRejecterAndReason_WhenRejected()
    {
        var rejected = TestApprovals.Pending().Resolved(ApprovalStatus.Rejected, "too large", TestApprovals.Vote("bob", "U0BOB0001", approve: false, "too large"));

        var message = Render(rejected);

        Assert.Empty(message.Buttons);
        Assert.Contains("Rejected by <@U0BOB0001>: too large", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShowsExpiryTime_WhenExpired()
    {
        var message = Render(TestApprovals.Pending().Resolved(ApprovalStatus.Expired));

        Assert.Empty(message.Buttons);
        Assert.Contains("Expired at 14:02:11", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShowsReason_WhenWithdrawn()
    {
        var message = Render(TestApprovals.Pending().Resolved(ApprovalStatus.Withdrawn, "agent session ended"));

        Assert.Empty(message.Buttons);
        Assert.Contains("Withdrawn: agent session ended", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CountsVotesAndKeepsButtons_WhenTwoPersonRuleHasOneApproval()
    {
        var pending = TestApprovals.Pending(settings: ApprovalSettings.Default with { Approvals = 2 }) with
        {
            Votes = [TestApprovals.Vote("alice", "U024BE7LH", approve: true)],
        };

        var message = Render(pending);

        Assert.Contains("1 of 2 approvals: <@U024BE7LH>", message.AllText, StringComparison.Ordinal);
        Assert.NotEmpty(message.Buttons);
    }

    private static FakeSlackMessage Render(ApprovalSnapshot approval)
    {
        var built = Builder.Build(approval);
        Assert.False(string.IsNullOrWhiteSpace(built.Text));
        return new FakeSlackMessage("C1", "1.1", built.Text, built.Blocks, 0);
    }
}
