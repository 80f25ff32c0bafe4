using System.Text.RegularExpressions;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Tests.Web;

/// <summary>The Audit tab's Decision and Outcome lists offer every word the gateway writes there, and no other.</summary>
public sealed partial class AuditFilterOptionsTests
{
    private static readonly string Page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "wwwroot", "index.html"));

    [Fact]
    public void DecisionFilter_OffersEveryDecisionTheLogWrites()
    {
        // Before, unauthenticated, unknown_tool, invalid_arguments and grant_revoked records could not be picked.
        Assert.Equal(
            AuditKinds.Decisions.Select(k => k.ToWireName()).Order(StringComparer.Ordinal),
            Options("f-decision").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OutcomeFilter_OffersEveryOutcomeTheLogWrites()
    {
        Assert.Equal(
            AuditKinds.Outcomes.Select(k => k.ToWireName()).Order(StringComparer.Ordinal),
            Options("f-outcome").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryKind_IsADecisionOrAnOutcome_OfSomeRecord()
    {
        Assert.All(Enum.GetValues<DecisionKind>(), k => Assert.True(AuditKinds.Decisions.Contains(k) || AuditKinds.Outcomes.Contains(k), k.ToString()));
        Assert.Empty(AuditKinds.OutcomeOnly.Intersect(AuditKinds.DecisionOnly));
    }

    /// <summary>The values of the select's options, "Any" (empty) left out.</summary>
    private static IEnumerable<string> Options(string id)
    {
        var select = Regex.Match(Page, $"""<select id="{id}"[^>]*>(.*?)</select>""", RegexOptions.Singleline);
        Assert.True(select.Success, $"no <select id=\"{id}\"> in index.html");
        return OptionValue().Matches(select.Groups[1].Value).Select(m => m.Groups[1].Value).Where(v => v.Length > 0);
    }

    [GeneratedRegex("""<option value="([^"]*)">""")]
    private static partial Regex OptionValue();
}
