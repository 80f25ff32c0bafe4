using System.Globalization;
using ApprovalGateway.Policy.Text;
using ApprovalGateway.Slack;

namespace ApprovalGateway.Approvals;

/// <summary>The sentences approvers and agents read, kept in one place so every channel says the same.</summary>
internal static class ApprovalText
{
    /// <summary>One wording on every channel for arguments the tool's input schema does not allow.</summary>
    public const string SchemaMismatch = "the arguments do not match the tool's input schema, so the upstream may refuse them";

    /// <summary>"alice and bob": who approved (or rejected), each named as <paramref name="name"/> says (their approver name by default).</summary>
    public static string Approvers(ApprovalSnapshot approval, bool approve, Func<ApproverVote, string>? name = null) =>
        string.Join(" and ", approval.Votes.Where(v => v.Approve == approve).Select(name ?? (v => v.Approver)));

    /// <summary>
    /// Who approved: "alice and bob", or "the time-boxed grant of alice" for a call a grant released while it waited.
    /// </summary>
    public static string ApprovedBy(ApprovalSnapshot approval) =>
        approval.ReleasedByGrant is { } grant ? ReleasedBy(grant) : Approvers(approval, approve: true);

    /// <summary>"the time-boxed grant of alice and bob", the words every channel uses for a call a grant released while it waited.</summary>
    public static string ReleasedBy(GrantRelease grant) => $"the time-boxed grant of {string.Join(" and ", grant.GrantedBy)}";

    /// <summary>What a grant's call is approved with, in its agent's answer and its audit records.</summary>
    public static string GrantUntil(DateTimeOffset until) => $"Time-boxed grant until {until:u}";

    /// <summary>What happened to a resolved approval: "Approved by alice", "Rejected by bob: too large", "Expired".</summary>
    public static string Summary(ApprovalSnapshot approval) => approval.Status switch
    {
        ApprovalStatus.Pending => "Pending",
        ApprovalStatus.Approved when approval.ReleasedByGrant is { } grant =>
            $"Released by {ReleasedBy(grant)} (given on approval {grant.ApprovalId}, until {grant.Until:u})",
        ApprovalStatus.Approved => $"Approved by {Approvers(approval, approve: true)}{ForGrant(approval)}"
            + (approval.GrantRevoked is { } revoked ? $"; {GrantRevoked(revoked, revoked.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))}" : ""),
        ApprovalStatus.Rejected => approval.Reason is { Length: > 0 } reason
            ? $"Rejected by {Approvers(approval, approve: false)}: {reason}"
            : $"Rejected by {Approvers(approval, approve: false)}",
        ApprovalStatus.Expired => "Expired",
        ApprovalStatus.Withdrawn => approval.Reason is { Length: > 0 } why ? $"Withdrawn: {why}" : "Withdrawn by the agent",
        _ => approval.Status.ToString(),
    };

    /// <summary>
    /// " (and for the next 15 min)" when the approval also gave a time-boxed grant (<see cref="ApprovalGrant.MinutesGiven"/>);
    /// the API and Slack both say it so. Nothing once the grant was revoked: the window is over, and the revocation is
    /// said instead. Where the policy in force at the approval gave less than the approvers asked for, it says what and
    /// why: " (no time-boxed grant: rule X no longer offers time-boxed grants)", " (and for the next 5 min: rule X now
    /// allows grants of at most 5 minutes)".
    /// </summary>
    public static string ForGrant(ApprovalSnapshot approval) => (approval.GrantRevoked, ApprovalGrant.MinutesGiven(approval), approval.GrantLimit) switch
    {
        ({ }, _, _) => "",
        (null, { } minutes, { } limit) => $" (and for the next {minutes} min: {limit.Why})",
        (null, { } minutes, null) => $" (and for the next {minutes} min)",
        (null, null, { } limit) => $" (no time-boxed grant: {limit.Why})",
        _ => "",
    };

    /// <summary>"the time-boxed grant was revoked by bob at 14:05:00 UTC: the desk closes early", with the time as the channel writes it.</summary>
    public static string GrantRevoked(GrantRevocationNote note, string at) =>
        $"the time-boxed grant was revoked by {note.By} at {at} UTC" + (note.Reason is { Length: > 0 } why ? $": {why}" : "");

    /// <summary>The answer to a click that came too late: "Already approved by alice", "Expired".</summary>
    public static string AlreadyResolved(ApprovalSnapshot approval) => approval.Status switch
    {
        ApprovalStatus.Approved when approval.ReleasedByGrant is { } grant => $"Already released by {ReleasedBy(grant)}",
        ApprovalStatus.Approved => $"Already approved by {Approvers(approval, approve: true)}",
        ApprovalStatus.Rejected => $"Already rejected by {Approvers(approval, approve: false)}",
        _ => Summary(approval),
    };

    public static string ExpiredReason(ApprovalSnapshot approval) =>
        $"No decision within {Duration(approval.Deadline - approval.RequestedAt)}";

    public const string WithdrawnReason = "The agent cancelled the call or its session ended";

    public const string SessionDeletedReason = "The agent ended its session (an HTTP DELETE of it) while the call waited";

    public const string InputClosedReason = "The agent closed the gateway's input, which ends its stdio session, while the call waited";

    private const int MaxClientText = 200;

    /// <summary>Why the agent's call was withdrawn: what the session knows (its cancellation's words, a dropped connection), else the general reason.</summary>
    public static string Withdrawn(string? why) => why is { Length: > 0 } ? why : WithdrawnReason;

    /// <summary>Text an agent wrote, fit for a prompt and an audit record: one line, not too long, nothing hidden in it.</summary>
    public static string ClientText(string text)
    {
        var line = InvisibleCharacters.Escape(string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim());
        return ShortText.Fit(line, MaxClientText);
    }

    public const string ShuttingDownReason = "Gateway shutting down: the instance holding the call stopped before a decision; the agent may call again";

    public const string NotStoredReason = "the approval could not be stored (approval storage unreachable), so the call was not run";

    /// <summary>
    /// "Waiting for approval in #trading (or on the approval page), expires in 4m 12s". Slack is named only where a
    /// prompt goes there; the page's address when it is known ("on the approval page at http://localhost:5181/").
    /// </summary>
    public static string Waiting(ApprovalSnapshot approval, string? defaultSlackChannel, bool slackEnabled, string? pageUrl, TimeSpan remaining)
    {
        var channels = PromptChannels.Of(approval.Request.Settings.Channels, slackEnabled);
        var slack = channels.Contains(PromptChannels.Slack);
        var web = channels.Contains(PromptChannels.Web);
        var slackChannel = approval.Request.Settings.SlackChannel ?? defaultSlackChannel;
        var slackPlace = slackChannel is { Length: > 0 } ? $"in #{slackChannel.TrimStart('#')}" : "in Slack";
        var page = pageUrl is { Length: > 0 } ? $"on the approval page at {pageUrl}" : "on the approval page";
        var where = (slack, web) switch
        {
            (true, true) => $"{slackPlace} (or {page})",
            (true, false) => slackPlace,
            _ => page,
        };
        return $"Waiting for approval {where}, expires in {Duration(remaining)}";
    }

    public static string Duration(TimeSpan span)
    {
        var seconds = Math.Max(0, (long)Math.Ceiling(span.TotalSeconds));
        return seconds switch
        {
            >= 3600 => $"{seconds / 3600}h {seconds % 3600 / 60}m",
            >= 60 => $"{seconds / 60}m {seconds % 60}s",
            _ => $"{seconds}s",
        };
    }
}
