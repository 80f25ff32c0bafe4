using ApprovalGateway.Cli;

namespace ApprovalGateway.Tests.Policy;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_ReturnsZero_WhenThePolicyIsValid()
    {
        var path = Write("""{ "version": "1", "default": "deny", "hide": ["BinanceSpotCancelOpenTWAPOrder"] }""");
        var output = new StringWriter();

        Assert.Equal(0, ValidateCommand.Run(path, output));
        Assert.StartsWith($"{path}: valid", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CountsTheRulesTheFileStates_InTheSingularForOne_AndNamesTheBuiltInCriticalRuleWhereItApplies()
    {
        // policies/examples/binance-hide.json: before, "1 rules" for a file with no rule (the built-in risk.critical
        // counted), "2 rules" for one rule, and a rule's when conditions counted as rules of their own.
        var hideOnly = Write("""{ "version": "1", "default": "deny", "hide": ["BinanceSpotCancelOpenTWAPOrder"] }""", "binance-hide.json");
        var oneRule = Write("""{"tools":{"X":"deny"}}""", "one-rule.json");
        var allowing = Write("""
            { "default": "allow", "risk": { "high": "deny" },
              "tools": { "X": { "action": "allow", "when": [ { "if": "args.a > 1", "action": "deny" }, { "if": "args.a > 0", "action": "require_approval" } ] } } }
            """, "allowing.json");
        var output = new StringWriter();

        Assert.All([hideOnly, oneRule, allowing], p => Assert.Equal(0, ValidateCommand.Run(p, output)));

        Assert.Equal(
            [
                $"{hideOnly}: valid (0 rules, default deny)",
                $"{oneRule}: valid (1 rule, default deny)",
                $"{allowing}: valid (2 rules, default allow, plus the built-in risk.critical: require_approval)",
            ],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Run_PrintsWarnings_AfterTheValidLine_AndStillReturnsZero()
    {
        var path = Write("{\n  \"tools\": { \"X\": { \"action\": \"deny\",\n    \"rate_limit\": { \"max\": 1, \"window\": 60 } } }\n}");
        var output = new StringWriter();

        Assert.Equal(0, ValidateCommand.Run(path, output));
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            $"{path}:3: tools[\"X\"].rate_limit never counts a call: every call this rule matches is denied, and denied calls are not counted (warning)",
            Assert.Single(lines[1..]));
    }

    [Fact]
    public void Run_PrintsOneFileLineMessagePerError_AndReturnsOne()
    {
        var path = Write("{\n  \"default\": \"maybe\",\n  \"tools\": { \"X\": { \"when\": [ { \"if\": \"args.a >\", \"action\": \"deny\" } ] } },\n  \"extra\": 1\n}");
        var output = new StringWriter();

        var exit = ValidateCommand.Run(path, output);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1, exit);
        Assert.Equal([$"{path}:2:", $"{path}:3:", $"{path}:4:"], lines.Select(l => l[..(l.IndexOf(": ", StringComparison.Ordinal) + 1)]));
    }

    [Fact]
    public void Run_ReturnsEX_NOINPUT_AndSaysWhy_WhenTheFileIsMissingOrAFolder()
    {
        var absent = Path.Combine(_dir, "absent.json");
        var output = new StringWriter();

        // Before: exit 1 as for an invalid policy, a line number the file does not have, and "access denied" for a folder.
        Assert.Equal(66, ValidateCommand.Run(absent, output));
        Assert.Equal(66, ValidateCommand.Run(_dir, output));

        Assert.Equal(
            [$"{absent}: cannot read the policy file: no such file", $"{_dir}: cannot read the policy file: it is a folder, not a file"],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    private string Write(string json, string name = "policy.json")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }
}
