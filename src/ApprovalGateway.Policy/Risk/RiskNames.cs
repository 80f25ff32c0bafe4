namespace ApprovalGateway.Policy.Risk;

/// <summary>The wire names of categories and risk classes, as written in policy.json and shown by the API.</summary>
public static class RiskNames
{
    public static string ToWireName(this RiskClass risk) => risk switch
    {
        RiskClass.Low => "low",
        RiskClass.Medium => "medium",
        RiskClass.High => "high",
        RiskClass.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(risk), risk, null),
    };

    public static string ToWireName(this ToolCategory category) => category switch
    {
        ToolCategory.ReadOnly => "read-only",
        ToolCategory.Write => "write",
        ToolCategory.Destructive => "destructive",
        ToolCategory.Financial => "financial",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    public static bool TryParseRisk(string? text, out RiskClass risk)
    {
        foreach (var candidate in Enum.GetValues<RiskClass>())
        {
            if (candidate.ToWireName() == text)
            {
                risk = candidate;
                return true;
            }
        }

        risk = default;
        return false;
    }

    public static bool TryParseCategory(string? text, out ToolCategory category)
    {
        foreach (var candidate in Enum.GetValues<ToolCategory>())
        {
            if (candidate.ToWireName() == text)
            {
                category = candidate;
                return true;
            }
        }

        category = default;
        return false;
    }
}
