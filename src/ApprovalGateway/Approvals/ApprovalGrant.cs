namespace ApprovalGateway.Approvals;

/// <summary>
/// A time-boxed grant: calls by <see cref="Agent"/> to <see cref="Tool"/> on <see cref="Upstream"/> are approved
/// without a prompt until <see cref="Until"/>, on the strength of approval <see cref="ApprovalId"/>.
/// </summary>
internal sealed record ApprovalGrant(
    string Agent,
    string Upstream,
    string Tool,
    DateTimeOffset Until,
    string ApprovalId,
    IReadOnlyList<string> GrantedBy);
