namespace ApprovalGateway.Policy;

/// <summary>
/// The policy file as this instance read it when what it read changed: applied (at startup too) or rejected, for the
/// audit log (<see cref="PolicyChangeAudit"/>).
/// </summary>
/// <param name="Sha256">Of the file's bytes as read; null when the file could not be read at all.</param>
/// <param name="Detail">When applied, the rules in force (as <c>validate</c> says them); when rejected, the first error.</param>
/// <param name="InForceSha256">Of the policy in force after this change: the file's own when applied, the last good one's when rejected.</param>
internal sealed record PolicyChange(
    DateTimeOffset Time,
    string Path,
    bool Applied,
    bool AtStartup,
    string? Sha256,
    string Detail,
    string InForceSha256);
