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

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "policy.json");
        File.WriteAllText(path, json);
        return path;
    }
}
