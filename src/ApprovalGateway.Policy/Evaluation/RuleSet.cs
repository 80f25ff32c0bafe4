using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// The rules of one scope (the global policy or one agent): hide globs and tool rules sorted most specific first,
/// risk rules indexed by class, and the default.
/// </summary>
internal sealed class RuleSet(HideEntry[] hide, CompiledRule[] tools, CompiledRule?[] riskRules, CompiledRule? fallback)
{
    public CompiledRule[] Tools { get; } = tools;

    public CompiledRule? Default { get; } = fallback;

    public CompiledRule? RiskRule(RiskClass risk) => riskRules[(int)risk];

    public PolicyDecision? FindHidden(string tool)
    {
        foreach (var entry in hide)
        {
            if (entry.Glob.IsMatch(tool))
            {
                return entry.Decision;
            }
        }

        return null;
    }

    /// <summary>Tools are sorted most specific first, so the first match is the winning rule.</summary>
    public CompiledRule? FindTool(string tool)
    {
        foreach (var rule in Tools)
        {
            if (rule.Glob!.IsMatch(tool))
            {
                return rule;
            }
        }

        return null;
    }
}
