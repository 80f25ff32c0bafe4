using System.Text;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Parsing;

namespace ApprovalGateway.Policy.Tests;

public sealed class PolicyParserTests
{
    private static PolicyError SingleError(string json)
    {
        var result = PolicyParser.Parse(json, "policy.json");
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Parse_ReadsTheSeedShape()
    {
        var result = PolicyParser.Parse("""{ "version": "1", "default": "deny", "hide": ["BinanceSpotCancelOpenTWAPOrder"] }""", "seed.json");

        Assert.True(result.IsValid);
        Assert.Equal(PolicyAction.Deny, result.Document.Default);
        Assert.Equal(["BinanceSpotCancelOpenTWAPOrder"], result.Document.Hide);
    }

    [Fact]
    public void Places_LocateRulesAndApprovalSettingsByTheirNames_AndFallBackToWhatHoldsAnUnwrittenDefault()
    {
        var result = PolicyParser.Parse(
            "{\n  \"agents\": {\n    \"bot1\": {\n      \"risk\": { \"high\": { \"action\": \"require_approval\",\n        \"approval\": { \"approvers\": [\"alice\", \"bob\"], \"approvals\": 2 } } }\n    }\n  },\n  \"tools\": { \"X\": \"require_approval\" }\n}",
            "policy.json");

        Assert.True(result.IsValid, result.FormatErrors());
        Assert.Equal((3, 5), result.Places.Locate("agents.bot1"));
        Assert.Equal((5, 54), result.Places.Locate("agents.bot1.risk.high.approval.approvals"));
        Assert.Equal((5, 46), result.Places.Locate("agents.bot1.risk.high.approval.approvers[1]"));
        Assert.Equal((8, 14), result.Places.Locate("tools[\"X\"].approval.approvals", "tools[\"X\"].approval", "tools[\"X\"]"));
        Assert.Equal((0, 0), result.Places.Locate("tools[\"Y\"]"));
    }

    [Fact]
    public void Parse_ReportsBadJson_WithItsLine()
    {
        var error = SingleError("{\n  \"default\": \"deny\",\n  \"hide\": [\"a\" \"b\"]\n}");

        Assert.Equal(3, error.Line);
        Assert.StartsWith("invalid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NamesTheColumnOfBadJson_InCharactersOfItsLine()
    {
        // A missing comma in a one-line rule: the line alone leaves the admin to search it.
        var error = SingleError("{\n  \"tools\": { \"Caf\u00e9\": \"deny\" \"B\": \"allow\" }\n}");

        Assert.Equal(2, error.Line);
        Assert.Equal(29, error.Column);
        Assert.Equal("policy.json:2: invalid JSON at column 29: '\"' is invalid after a value. Expected either ',', '}', or ']'.", error.Format("policy.json"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n  \n")]
    [InlineData("// emptied by a deploy\n/* nothing */\n")]
    public void Parse_SaysTheFileIsEmpty_InsteadOfTheJsonReadersWordsAboutItsApi(string text)
    {
        var error = SingleError(text);

        // Before: "policy.json:1: invalid JSON: The input does not contain any JSON tokens. Expected the input to
        // start with a valid JSON token, when isFinalBlock is true."
        Assert.Equal("policy.json: the file is empty (only blanks or comments), so it holds no policy", error.Format("policy.json"));
    }

    [Fact]
    public void Parse_ReportsUnknownField_WithItsLineAndTheAllowedFields()
    {
        var error = SingleError("{\n  \"default\": \"deny\",\n  \"tols\": {}\n}");

        Assert.Equal(new PolicyError(3, 3, "unknown field \"tols\" in the policy; did you mean \"tools\"? (expected one of: $schema, version, description, default, hide, tools, risk, agents, classify)"), error);
        Assert.Equal("policy.json:3: unknown field \"tols\" in the policy; did you mean \"tools\"? (expected one of: $schema, version, description, default, hide, tools, risk, agents, classify)", error.Format("policy.json"));
    }

    [Theory]
    [InlineData("""{ "tools": { "X": { "acton": "deny" } } }""", "unknown field \"acton\" in tools[\"X\"]; did you mean \"action\"? (expected one of: action, reason, description, rate_limit, when, approval)")]
    [InlineData("""{ "tools": { "X": { "rate-limit": { "max": 3, "window": 60 } } } }""", "unknown field \"rate-limit\" in tools[\"X\"]; did you mean \"rate_limit\"? (expected one of: action, reason, description, rate_limit, when, approval)")]
    [InlineData("""{ "tools": { "X": { "Action": "deny" } } }""", "unknown field \"Action\" in tools[\"X\"]; did you mean \"action\"? (expected one of: action, reason, description, rate_limit, when, approval)")]
    [InlineData("""{ "tools": { "X": { "priority": 1 } } }""", "unknown field \"priority\" in tools[\"X\"] (expected one of: action, reason, description, rate_limit, when, approval)")]
    public void Parse_NamesTheFieldMeant_WhenAnUnknownFieldIsATypoOfOne(string json, string expected)
    {
        // Before: only the list, for the admin to compare letter by letter; "Action" looked right there.
        Assert.Equal(expected, SingleError(json).Message);
    }

    [Fact]
    public void Parse_ReportsUnknownAction_WithItsLine()
    {
        var error = SingleError("{\n  \"tools\": {\n    \"X\": { \"action\": \"permit\" }\n  }\n}");

        Assert.Equal(3, error.Line);
        Assert.Contains("unknown action \"permit\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsBadGlob_WithItsLine()
    {
        var error = SingleError("{\n  \"hide\": [\n    \"Binance[Wallet]*\"\n  ]\n}");

        Assert.Equal(3, error.Line);
        Assert.Contains("invalid glob \"Binance[Wallet]*\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsBadCondition_WithItsLineAndPosition()
    {
        var error = SingleError("{\n  \"tools\": { \"X\": { \"when\": [\n    { \"if\": \"args.q * > 3\", \"action\": \"deny\" } ] } }\n}");

        Assert.Equal(3, error.Line);
        Assert.Contains("bad condition \"args.q * > 3\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("position", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsEveryErrorAtOnce_InFileOrder()
    {
        var result = PolicyParser.Parse("{\n \"default\": \"maybe\",\n \"risk\": { \"extreme\": \"deny\" },\n \"tools\": { \"X\": { \"rate_limit\": { \"max\": 0, \"window\": 60 } } }\n}", "p.json");

        Assert.Equal([2, 3, 4], result.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Parse_ReportsDuplicateKeys()
    {
        var error = SingleError("{\n \"default\": \"deny\",\n \"default\": \"allow\"\n}");

        Assert.Equal(new PolicyError(3, 2, "duplicate key \"default\""), error);
    }

    [Theory]
    [InlineData("{\n \"agents\": { \"bot\": { \"tools\": {\n  \"X\": \"deny\",\n  \"X\": \"allow\" } } }\n}", 4, "agents.bot.tools: duplicate key \"X\"")]
    [InlineData("{ \"tools\": { \"Binance*\": { \"when\": [ { \"if\": \"args.a > 1\", \"action\": \"deny\",\n \"action\": \"allow\" } ] } } }", 2, "tools[\"Binance*\"].when[0]: duplicate key \"action\"")]
    [InlineData("{ \"classify\": { \"X\": {\n \"risk\": \"low\",\n \"risk\": \"critical\" } } }", 3, "classify[\"X\"]: duplicate key \"risk\"")]
    public void Parse_NamesTheObjectADuplicateKeyIsIn_AsOtherErrorsNameIt(string json, int line, string message)
    {
        // Before, only "duplicate key \"X\"" and the line: in a long file, which of the objects there it was in was left to guess.
        var error = SingleError(json);

        Assert.Equal((line, message), (error.Line, error.Message));
    }

    [Fact]
    public void Parse_RejectsTwoAgentSectionsThatDifferOnlyInCase_NamingBoth()
    {
        var error = SingleError("{\n \"agents\": {\n  \"bot1\": { \"default\": \"deny\" },\n  \"Bot1\": { \"default\": \"allow\" }\n }\n}");

        Assert.Equal(new PolicyError(4, 3, "agents.Bot1: the same agent as agents.bot1 (agent names ignore case); merge the two sections"), error);
    }

    [Fact]
    public void Parse_ReportsMoreApprovalsThanApprovers()
    {
        var error = SingleError("""{ "tools": { "W": { "approval": { "approvers": ["a"], "approvals": 2 } } } }""");

        Assert.Contains("2 distinct approvers needed but only 1 listed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_RefusesAFileThatIsNotUtf8_NamingTheLine_InsteadOfReadingItsBytesAsReplacementCharacters()
    {
        using var dir = new TempPolicyFolder();
        var path = dir.File;
        var latin1 = Encoding.Latin1.GetBytes("{\n  \"tools\": { \"X\": { \"when\": [\n    { \"if\": \"args.note == 'café'\", \"action\": \"deny\" } ] } }\n}");
        File.WriteAllBytes(path, latin1);

        var result = PolicyParser.ParseFile(path);

        // Before, valid: the condition compared with "caf\uFFFD", which no call sends, so the deny never held.
        Assert.False(result.IsValid);
        Assert.Equal($"{path}: cannot read the policy file: line 3 holds a byte that is not UTF-8 (0xE9); save the file as UTF-8", result.FormatErrors());
    }

    [Theory]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16")]
    public void ParseFile_ReadsAFileWhoseByteOrderMarkNamesItsEncoding(string encoding)
    {
        using var dir = new TempPolicyFolder();
        var path = dir.File;
        var text = """{ "tools": { "X": { "when": [ { "if": "args.note == 'café'", "action": "deny" } ] } } }""";
        File.WriteAllText(path, text, encoding == "utf-16" ? Encoding.Unicode : new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var result = PolicyParser.ParseFile(path);

        Assert.True(result.IsValid, result.FormatErrors());
    }

    [Fact]
    public void Parse_ReportsMoreApprovalsThanApprovers_WhenTwoListedNamesDifferOnlyInCase()
    {
        // Before, valid: "alice" and "Alice" counted as two, and every call of the rule could only time out.
        var error = SingleError("""{ "tools": { "W": { "approval": { "approvers": ["alice", "Alice"], "approvals": 2 } } } }""");

        Assert.Equal(
            "tools[\"W\"].approval.approvals: 2 distinct approvers needed but only 1 distinct listed (approver names ignore case)",
            error.Message);
    }

    [Fact]
    public void Parse_NamesTheValueGiven_WhenElicitationDeclineIsAnUnknownString()
    {
        var error = SingleError("""{ "tools": { "W": { "approval": { "elicitation_decline": "maybe" } } } }""");

        // Before: 'not a string', of a value that is one.
        Assert.Equal("tools[\"W\"].approval.elicitation_decline: expected \"ignore\" or \"reject\", not \"maybe\"", error.Message);
    }

    [Theory]
    [InlineData("""{ "tools": { "X": { "rate_limit": { "max": 5, "window": 60, "per": "user" } } } }""", "tools[\"X\"].rate_limit.per: expected \"session\", \"agent\" or \"global\", not \"user\"")]
    [InlineData("""{ "classify": { "X": { "risk": "extreme" } } }""", "classify[\"X\"].risk: expected one of: low, medium, high, critical, not \"extreme\"")]
    [InlineData("""{ "classify": { "X": { "category": 3 } } }""", "classify[\"X\"].category: expected one of: read-only, write, destructive, financial, not a number")]
    public void Parse_NamesTheValueGiven_WhenAnEnumeratedSettingHasAnotherValue(string json, string expected)
    {
        // Before, these three said only what was expected, unlike every other such message.
        Assert.Equal(expected, SingleError(json).Message);
    }

    [Theory]
    [InlineData("""{ "tools": { "X": { "action": "require_approval", "approval": { "approvers": [""] } } } }""", "an entry of tools[\"X\"].approval.approvers is empty: list approver names or Slack user IDs, or leave the list out to let any approver decide")]
    [InlineData("""{ "tools": { "X": { "action": "require_approval", "approval": { "approvers": ["alice", " "] } } } }""", "an entry of tools[\"X\"].approval.approvers is empty: list approver names or Slack user IDs, or leave the list out to let any approver decide")]
    [InlineData("""{ "tools": { "X": { "action": "require_approval", "approval": { "slack_channel": "" } } } }""", "tools[\"X\"].approval.slack_channel is empty: name a channel (its ID, as Slack:Channel takes), or leave the setting out to post in Slack:Channel")]
    public void Parse_RejectsBlankApproversAndSlackChannel_WhichNoApproverOrChannelCouldEverMatch(string json, string expected)
    {
        // Before: valid; a blank approver let the rule's calls only time out, a blank channel posted them nowhere.
        Assert.Equal(expected, SingleError(json).Message);
    }

    [Theory]
    [InlineData("""{ "version": "2" }""", "\"version\" must be the string \"1\"")]
    [InlineData("""{ "tools": { "X": { "rate_limit": { "max": 5 } } } }""", "tools[\"X\"].rate_limit.window is required")]
    [InlineData("""{ "tools": { "X": { "rate_limit": { "max": 5, "window": 60, "per": "team" } } } }""", "expected \"session\", \"agent\" or \"global\"")]
    [InlineData("""{ "tools": { "X": { "approval": { "on_timeout": "approve" } } } }""", "only \"reject\" is supported")]
    [InlineData("""{ "tools": { "X": { "approval": { "channels": ["email"] } } } }""", "unknown channel \"email\"")]
    [InlineData("""{ "classify": { "X": { "risk": "huge" } } }""", "expected one of: low, medium, high, critical")]
    [InlineData("""{ "agents": { "a": { "tools": { "X": 5 } } } }""", "agents.a.tools[\"X\"]")]
    [InlineData("""[]""", "the policy must be an object")]
    public void Parse_RejectsInvalidValues_WithAMessageNamingTheSetting(string json, string expected)
    {
        Assert.Contains(expected, SingleError(json).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "tools": { "X": { "approval": { "timeout": 5000000 } } } }""", "tools[\"X\"].approval.timeout: 5000000 is too large: at most 604800 seconds (7 days)")]
    [InlineData("""{ "tools": { "X": { "approval": { "timeout": 99999999999 } } } }""", "tools[\"X\"].approval.timeout: 99999999999 is too large: at most 604800 seconds (7 days)")]
    [InlineData("""{ "tools": { "X": { "approval": { "grant_minutes": 10081 } } } }""", "tools[\"X\"].approval.grant_minutes: 10081 is too large: at most 10080 minutes (7 days)")]
    [InlineData("""{ "tools": { "X": { "approval": { "grant_minutes": 9999999999 } } } }""", "tools[\"X\"].approval.grant_minutes: 9999999999 is too large: at most 10080 minutes (7 days)")]
    [InlineData("""{ "tools": { "X": { "rate_limit": { "max": 99999999999, "window": 60 } } } }""", "tools[\"X\"].rate_limit.max: 99999999999 is too large: at most 2147483647")]
    public void Parse_RejectsNumbersBeyondTheirMaximum_SayingTooLargeAndTheMaximum(string json, string expected)
    {
        Assert.Equal(expected, SingleError(json).Message);
    }

    [Fact]
    public void Parse_AcceptsTheLongestTimeoutAndGrant()
    {
        var result = PolicyParser.Parse("""{ "tools": { "X": { "approval": { "timeout": 604800, "grant_minutes": 10080 } } } }""", "p.json");

        Assert.True(result.IsValid, result.FormatErrors());
        Assert.Equal(TimeSpan.FromDays(7), result.Document.Tools["X"].Approval.Timeout);
        Assert.Equal(10080, result.Document.Tools["X"].Approval.GrantMinutes);
    }

    [Theory]
    [InlineData("""{ "tools": { "X": { "approval": { "timeout": 0 } } } }""", "tools[\"X\"].approval.timeout: expected a whole number of 1 or more, not 0")]
    [InlineData("""{ "tools": { "X": { "approval": { "timeout": 1.5 } } } }""", "tools[\"X\"].approval.timeout: expected a whole number of 1 or more, not 1.5")]
    [InlineData("""{ "tools": { "X": { "approval": { "grant_minutes": -1 } } } }""", "tools[\"X\"].approval.grant_minutes: expected a whole number of minutes, 0 or more")]
    public void Parse_RejectsNumbersThatAreNotWholeOrTooSmall_AsBefore(string json, string expected)
    {
        Assert.Equal(expected, SingleError(json).Message);
    }

    [Fact]
    public void Parse_AcceptsCommentsAndTrailingCommas()
    {
        var result = PolicyParser.Parse("{\n // reads only\n \"default\": \"deny\",\n \"hide\": [\"A\",],\n}", "p.json");

        Assert.True(result.IsValid, result.FormatErrors());
    }

    [Fact]
    public void Parse_DefaultsToDeny_WhenDefaultIsOmitted()
    {
        Assert.Equal(PolicyAction.Deny, PolicyParser.Parse("{}", "p.json").Document!.Default);
    }
}

/// <summary>A policy.json path in a folder of its own, removed afterwards.</summary>
internal sealed class TempPolicyFolder : IDisposable
{
    private readonly string _path = Directory.CreateTempSubdirectory("policy-parser-").FullName;

    public string File => Path.Combine(_path, "policy.json");

    public void Dispose() => Directory.Delete(_path, recursive: true);
}
