using ApprovalGateway.Policy.Conditions;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>Turns a validated <see cref="PolicyDocument"/> into a <see cref="CompiledPolicy"/>.</summary>
internal static class PolicyCompiler
{
    /// <summary>The rule name used when the policy says nothing of critical risk: such calls still need a human.</summary>
    public const string BuiltInCriticalReason = "critical-risk tools need explicit approval (built-in default: the policy's risk section does not mention critical)";

    public static CompiledPolicy Compile(PolicyDocument document, string sourceName)
    {
        var global = BuildSet(string.Empty, document.Hide, document.Tools, document.Risk, document.Default);
        if (global.RiskRule(RiskClass.Critical) is null)
        {
            var riskRules = Enum.GetValues<RiskClass>().Select(global.RiskRule).ToArray();
            riskRules[(int)RiskClass.Critical] = MakeRule("risk.critical", null, new RuleDocument { Action = PolicyAction.RequireApproval, Reason = BuiltInCriticalReason }, builtIn: true);
            global = new RuleSet(BuildHide(string.Empty, document.Hide), global.Tools, riskRules, global.Default);
        }

        // Agent names ignore case as Gateway:Agents does: agents.Bot1 governs the agent configured as bot1.
        var agents = document.Agents.ToDictionary(
            a => a.Key,
            a => BuildSet($"agents.{a.Key}.", a.Value.Hide, a.Value.Tools, a.Value.Risk, a.Value.Default),
            StringComparer.OrdinalIgnoreCase);
        var classify = document.Classify
            .Select(c => new ClassifyEntry(CreateGlob(c.Key), c.Value))
            .OrderByDescending(c => c.Glob.IsExact)
            .ThenByDescending(c => c.Glob.LiteralLength)
            .ThenBy(c => c.Glob.Pattern, StringComparer.Ordinal)
            .ToArray();
        return new CompiledPolicy(document, sourceName, global, agents, classify);
    }

    private static RuleSet BuildSet(string prefix, IReadOnlyList<string> hide, IReadOnlyDictionary<string, RuleDocument> tools, IReadOnlyDictionary<RiskClass, RuleDocument> risk, PolicyAction? fallback)
    {
        // Most specific first: exact names, then longer literal text; at equal specificity the stricter action wins.
        var toolRules = tools
            .Select(t => MakeRule($"{prefix}tools[\"{t.Key}\"]", CreateGlob(t.Key), t.Value))
            .OrderByDescending(r => r.Glob!.IsExact)
            .ThenByDescending(r => r.Glob!.LiteralLength)
            .ThenByDescending(r => r.Action)
            .ThenBy(r => r.Glob!.Pattern, StringComparer.Ordinal)
            .ToArray();
        var riskRules = new CompiledRule?[Enum.GetValues<RiskClass>().Length];
        foreach (var (riskClass, rule) in risk)
        {
            riskRules[(int)riskClass] = MakeRule($"{prefix}risk.{riskClass.ToWireName()}", null, rule);
        }

        var defaultRule = fallback is { } action
            ? MakeRule($"{prefix}default", null, new RuleDocument
            {
                Action = action,
                Reason = action == PolicyAction.Deny ? $"no policy rule allows this tool ({prefix}default is deny)" : null,
            })
            : null;
        return new RuleSet(BuildHide(prefix, hide), toolRules, riskRules, defaultRule);
    }

    private static HideEntry[] BuildHide(string prefix, IReadOnlyList<string> hide) =>
        [.. hide.Select(h => new HideEntry(CreateGlob(h), new PolicyDecision(DecisionKind.Hidden, $"{prefix}hide[\"{h}\"]")))];

    private static CompiledRule MakeRule(string name, Glob? glob, RuleDocument rule, bool builtIn = false)
    {
        var conditions = rule.When.Select((c, i) =>
        {
            if (!ConditionParser.TryParse(c.Expression, out var expr, out var error))
            {
                throw new InvalidOperationException($"{name}.when[{i}] was not validated: {error}");
            }

            var conditionName = $"{name}.when[{i}]";
            var reason = c.Reason ?? rule.Reason ?? $"{conditionName} matched: {c.Expression}";

            // Said when the condition could not be evaluated and counts as holding (fail closed): "order notional
            // above 1000" for a market order that has no price would mislead the approver and the agent.
            var unevaluated = $"{conditionName} could not be computed for these arguments (\"{c.Expression}\": a missing or non-numeric argument, say), so it counts as holding"
                + ((c.Reason ?? rule.Reason) is { } stated ? $": {stated}" : "");
            return new CompiledCondition(
                expr!,
                c.Expression,
                c.Action,
                MakeDecision(conditionName, c.Action, reason, rule.Approval),
                MakeDecision(conditionName, c.Action, unevaluated, rule.Approval));
        }).ToArray();
        var ownReason = rule.Reason ?? (rule.Action == PolicyAction.Deny ? $"denied by {name}" : null);
        return new CompiledRule(name, glob, rule.Action, MakeDecision(name, rule.Action, ownReason, rule.Approval), conditions, rule.RateLimit, builtIn);
    }

    private static PolicyDecision MakeDecision(string name, PolicyAction action, string? reason, ApprovalSettings approval) => action switch
    {
        PolicyAction.Allow => new PolicyDecision(DecisionKind.Allowed, name),
        PolicyAction.Deny => new PolicyDecision(DecisionKind.Denied, name, reason),
        _ => new PolicyDecision(DecisionKind.ApprovalRequired, name, reason, Approval: approval),
    };

    private static Glob CreateGlob(string pattern) =>
        Glob.TryCreate(pattern, out var glob, out var error) ? glob! : throw new InvalidOperationException(error);
}
