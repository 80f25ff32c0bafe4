using System.Text.Json;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Parsing;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Tests;

/// <summary>Builders shared by the tests: a call's facts and a policy that must parse.</summary>
internal static class Facts
{
    public static ToolCallFacts Call(string tool, RiskClass risk = RiskClass.Low, string? agent = null, string session = "session-1", string args = "{}")
    {
        using var document = JsonDocument.Parse(args);
        var category = risk == RiskClass.Low ? ToolCategory.ReadOnly : ToolCategory.Write;
        return new ToolCallFacts(tool, "exchange", agent, session, document.RootElement.Clone(), new ToolRisk(category, risk, "test"));
    }

    public static CompiledPolicy Policy(string json)
    {
        var result = PolicyParser.Parse(json, "test.json");
        Assert.True(result.IsValid, result.FormatErrors());
        return result.Policy;
    }
}
