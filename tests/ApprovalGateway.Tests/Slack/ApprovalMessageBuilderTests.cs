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
    public void Build_CutsTheLongValueAndLinksThePage_WhenArgumentsAreLong()
    {
        var arguments = new JsonObject { ["note"] = new string('x', 5000) + "<end>" };

        var message = Render(TestApprovals.Pending(arguments: arguments));

        Assert.All(Texts(message), t => Assert.True(t.Length <= 3000, $"text of {t.Length} chars"));
        Assert.Contains("xxx\"… (5005 characters, see the page)", message.CodeText, StringComparison.Ordinal);
        Assert.DoesNotContain("<end>", message.CodeText, StringComparison.Ordinal);
        Assert.Contains("<https://gateway.example/approvals|", message.TextOutsideCode, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShowsEveryKeyAndKeepsApprove_WhenOneValueIsPaddedPastSlackLimit()
    {
        var arguments = new JsonObject
        {
            ["coin"] = "BTC",
            ["network"] = "BTC" + new string(' ', 2990),
            ["address"] = "bc1qattacker",
            ["amount"] = 4.99,
        };

        var message = Render(TestApprovals.Pending(arguments: arguments));

        Assert.Contains("\"address\": \"bc1qattacker\"", message.CodeText, StringComparison.Ordinal);
        Assert.Contains("\"amount\": 4.99", message.CodeText, StringComparison.Ordinal);
        Assert.Contains("\"network\": \"BTC ", message.CodeText, StringComparison.Ordinal);
        Assert.Contains("… (2993 characters, see the page)", message.CodeText, StringComparison.Ordinal);
        Assert.All(Texts(message), t => Assert.True(t.Length <= 3000, $"text of {t.Length} chars"));
        Assert.Equal(["approve", "reject"], message.Buttons.Select(b => (string)b["action_id"]!));
    }

    [Theory]
    [InlineData("many keys")]
    [InlineData("deep nesting")]
    public void Build_OffersOnlyRejectAndPointsToThePage_WhenTheArgumentsCannotFitSlack(string shape)
    {
        var arguments = new JsonObject();
        if (shape == "many keys")
        {
            for (var i = 0; i < 300; i++)
            {
                arguments[$"recipient_{i}"] = $"bc1q{i:0000}";
            }
        }
        else
        {
            var inner = arguments;
            for (var depth = 0; depth < 60; depth++)
            {
                var next = new JsonObject();
                inner["level"] = next;
                inner = next;
            }

            inner["address"] = "bc1qattacker";
        }

        var message = Render(TestApprovals.Pending(arguments: arguments, settings: ApprovalSettings.Default with { GrantMinutes = 30 }));

        Assert.Equal(["reject"], message.Buttons.Select(b => (string)b["action_id"]!));
        Assert.Contains("too long for Slack", message.AllText, StringComparison.Ordinal);
        Assert.Contains("<https://gateway.example/approvals|the approval page>", message.AllText, StringComparison.Ordinal);
        Assert.All(Texts(message), t => Assert.True(t.Length <= 3000, $"text of {t.Length} chars"));
    }

    [Fact]
    public void Build_SaysTheArgumentsAreTooLongWithoutALink_WhenNoPublicUrlIsSet()
    {
        var builder = new ApprovalMessageBuilder(Options.Create(new SlackOptions()));
        var arguments = new JsonObject();
        for (var i = 0; i < 300; i++)
        {
            arguments[$"recipient_{i}"] = $"bc1q{i:0000}";
        }

        var built = builder.Build(TestApprovals.Pending(arguments: arguments));
        var message = new FakeSlackMessage("C1", "1.1", built.Text, built.Blocks, 0);

        Assert.Equal(["reject"], message.Buttons.Select(b => (string)b["action_id"]!));
        Assert.Contains("too long for Slack", message.AllText, StringComparison.Ordinal);
        Assert.Contains("approval page", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShowsInvisibleAndReorderingCharactersAsEscapesAndWarns_WhenArgumentsContainThem()
    {
        var arguments = new JsonObject
        {
            ["address"] = "bc1q\u202erekcatta\u202c",
            ["amount"] = "1\u200b0\u200b0",
            ["memo"] = "付款给供应商 دفع للمورد",
            ["lines"] = "one\ntwo",
        };

        var message = Render(TestApprovals.Pending(arguments: arguments));

        Assert.Contains(@"""address"": ""bc1q\u202Erekcatta\u202C""", message.CodeText, StringComparison.Ordinal);
        Assert.Contains(@"""amount"": ""1\u200B0\u200B0""", message.CodeText, StringComparison.Ordinal);
        Assert.Contains("\"memo\": \"付款给供应商 دفع للمورد\"", message.CodeText, StringComparison.Ordinal);
        Assert.Contains(@"""lines"": ""one\ntwo""", message.CodeText, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202e', message.AllText);
        Assert.DoesNotContain('\u200b', message.AllText);
        Assert.Contains("invisible or direction-changing characters", message.TextOutsideCode, StringComparison.Ordinal);
        Assert.Contains("U+200B, U+202C, U+202E", message.TextOutsideCode, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0001)]
    [InlineData(0x007F)]
    [InlineData(0x0085)]
    [InlineData(0x00AD)]
    [InlineData(0x061C)]
    [InlineData(0x180E)]
    [InlineData(0x200B)]
    [InlineData(0x200F)]
    [InlineData(0x202A)]
    [InlineData(0x2028)]
    [InlineData(0x2060)]
    [InlineData(0x2064)]
    [InlineData(0x2066)]
    [InlineData(0x2069)]
    [InlineData(0xFEFF)]
    [InlineData(0xE0041)]
    [InlineData(0x034F)]
    [InlineData(0x2800)]
    [InlineData(0x3164)]
    [InlineData(0xFE00)]
    [InlineData(0xE0100)]
    public void Build_EscapesTheCharacter_WhenItIsAControlOrFormatCharacter_OrDrawsNothing(int codePoint)
    {
        var character = char.ConvertFromUtf32(codePoint);
        var escaped = string.Concat(character.Select(unit => $"\\u{(int)unit:X4}"));

        var message = Render(TestApprovals.Pending(arguments: new JsonObject { [$"key{character}"] = $"a{character}b" }));

        Assert.Contains($"\"key{escaped}\": \"a{escaped}b\"", message.CodeText, StringComparison.Ordinal);
        Assert.DoesNotContain(character, message.AllText, StringComparison.Ordinal);
        Assert.Contains("invisible or direction-changing characters", message.TextOutsideCode, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_LeavesTheEmojiVariationSelectorAsItIs()
    {
        var message = Render(TestApprovals.Pending(arguments: new JsonObject { ["note"] = "careful \u26A0\uFE0F" }));

        Assert.Contains("careful \u26A0\uFE0F", message.CodeText, StringComparison.Ordinal);
        Assert.DoesNotContain("invisible", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_KeepsAValueInsideTheArgumentsBlock_WhenItTriesToCloseTheCodeFence()
    {
        var arguments = new JsonObject
        {
            ["address"] = "bc1qattacker",
            ["memo"] = "x```\n*Destination: company cold wallet (verified)* :white_check_mark:\n```",
        };

        var message = Render(TestApprovals.Pending(arguments: arguments));

        Assert.DoesNotContain("cold wallet", message.TextOutsideCode, StringComparison.Ordinal);
        Assert.DoesNotContain(":white_check_mark:", message.TextOutsideCode, StringComparison.Ordinal);
        Assert.Contains("company cold wallet", message.CodeText, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ShowsMrkdwnControlCharactersOnlyAsCode_WhenArgumentsContainThem()
    {
        var message = Render(TestApprovals.Pending(arguments: new JsonObject { ["note"] = "<!channel> & co" }));

        Assert.Contains("\"note\": \"<!channel> & co\"", message.CodeText, StringComparison.Ordinal);
        Assert.DoesNotContain("channel", message.TextOutsideCode, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WarnsOutsideTheArgumentsBlock_WhenTheArgumentsDoNotMatchTheToolsSchema()
    {
        var pending = TestApprovals.Pending();
        var message = Render(pending with
        {
            Request = pending.Request with { ArgumentProblems = ["quantity: Value is \"string\" but should be \"number\"", "dryRun: the tool declares no such parameter"] },
        });

        Assert.Contains(
            ":warning: *The arguments do not match the tool's input schema, so the upstream may refuse them:*\n"
            + "• quantity: Value is \"string\" but should be \"number\"\n• dryRun: the tool declares no such parameter",
            message.TextOutsideCode,
            StringComparison.Ordinal);
        Assert.DoesNotContain("schema", Render(pending).AllText, StringComparison.Ordinal);
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
    public void Build_NamesEveryApproverAndTheGrantWindow_WhenApprovedWithAGrant()
    {
        var approved = TestApprovals.Pending(settings: ApprovalSettings.Default with { Approvals = 2, GrantMinutes = 15 }).Resolved(
            ApprovalStatus.Approved,
            null,
            TestApprovals.Vote("alice", "U024BE7LH", approve: true, grantMinutes: 15),
            TestApprovals.Vote("carol <ops>", slackUserId: null, approve: true, grantMinutes: 15));

        var message = Render(approved);

        Assert.Contains("Approved by <@U024BE7LH> and carol &lt;ops&gt; at 14:02:11 UTC (and for the next 15 min)", message.AllText, StringComparison.Ordinal);
        Assert.Equal("Approved by alice and carol <ops> (and for the next 15 min)", ApprovalText.Summary(approved));
    }

    /// <summary>The window named is the grant the gateway records: the shortest every approver asked for, or none.</summary>
    [Theory]
    [InlineData(10, 30, " (and for the next 10 min)")]
    [InlineData(30, 10, " (and for the next 10 min)")]
    [InlineData(15, null, "")]
    public void Build_NamesTheGrantTheTwoApproversGave_AsItIsRecorded(int aliceMinutes, int? bobMinutes, string window)
    {
        var approved = TestApprovals.Pending(settings: ApprovalSettings.Default with { Approvals = 2, GrantMinutes = 30 }).Resolved(
            ApprovalStatus.Approved,
            null,
            TestApprovals.Vote("alice", "U024BE7LH", approve: true, grantMinutes: aliceMinutes),
            TestApprovals.Vote("bob", "U0BOB0001", approve: true, grantMinutes: bobMinutes));

        var message = Render(approved);

        // Before, the last approver's choice: "for the next 30 min" for a 10-minute grant, and a window where bob gave none.
        Assert.Contains($"Approved by <@U024BE7LH> and <@U0BOB0001> at 14:02:11 UTC{window}\n", message.AllText + "\n", StringComparison.Ordinal);
        Assert.Equal($"Approved by alice and bob{window}", ApprovalText.Summary(approved));
    }

    [Fact]
    public void Build_SaysWhoRevokedTheGrantAndWhen_InsteadOfItsWindow_WhenItsGrantWasRevoked()
    {
        var revoked = TestApprovals.Pending(settings: ApprovalSettings.Default with { GrantMinutes = 15 })
            .Resolved(ApprovalStatus.Approved, null, TestApprovals.Vote("alice", "U024BE7LH", approve: true, grantMinutes: 15))
            with { GrantRevoked = new GrantRevocationNote("bob", new DateTimeOffset(2025, 3, 14, 14, 5, 0, TimeSpan.Zero), "the desk closes early") };

        var message = Render(revoked);

        Assert.Contains(
            "Approved by <@U024BE7LH> at 14:02:11 UTC\n:no_entry_sign: The time-boxed grant was revoked by bob at 14:05:00 UTC: the desk closes early",
            message.AllText,
            StringComparison.Ordinal);
        Assert.DoesNotContain("for the next", message.AllText, StringComparison.Ordinal);
        Assert.Empty(message.Buttons);
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

    /// <summary>Every text in the blocks, each of which Slack caps.</summary>
    private static IEnumerable<string> Texts(FakeSlackMessage message) => Texts(message.Blocks);

    private static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o when o["text"] is JsonValue v && v.TryGetValue<string>(out var s) => [s, .. o.SelectMany(p => Texts(p.Value))],
        JsonObject o => o.SelectMany(p => Texts(p.Value)),
        JsonArray a => a.SelectMany(Texts),
        _ => [],
    };

    private static FakeSlackMessage Render(ApprovalSnapshot approval)
    {
        var built = Builder.Build(approval);
        Assert.False(string.IsNullOrWhiteSpace(built.Text));
        return new FakeSlackMessage("C1", "1.1", built.Text, built.Blocks, 0);
    }
}
