namespace ApprovalGateway.Policy.Model;

/// <summary>One entry of a rule's <c>when</c> list: if <paramref name="Expression"/> holds, apply <paramref name="Action"/>.</summary>
public sealed record ConditionDocument(string Expression, PolicyAction Action, string? Reason = null);
