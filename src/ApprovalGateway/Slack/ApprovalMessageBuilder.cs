using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Risk;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>Renders an approval as Block Kit: a prompt with buttons while pending, the outcome without buttons after.</summary>
internal sealed class ApprovalMessageBuilder(IOptions<SlackOptions> options)
{
    public SlackMessage Build(ApprovalSnapshot approval)
    {
        var arguments = SlackArguments.Of(SecretMasker.MaskCopy(approval.Request.FrozenArguments) ?? []);
        var pending = approval.Status == ApprovalStatus.Pending;
        var blocks = new JsonArray
        {
            Section("approval_summary", Summary(approval)),
            arguments.Json is { } json ? ArgumentsBlock(json) : Section("approval_arguments", TooLongForSlack(pending)),
        };

        if (ArgumentsNotice(approval.Request, arguments) is { } notice)
        {
            blocks.Add(Section("approval_arguments_notice", notice));
        }

        if (VoteLine(approval) is { } votes)
        {
            blocks.Add(Section("approval_votes", votes));
        }

        if (pending)
        {
            blocks.Add(Context($"Approval `{Escape(approval.Id)}` · rule `{Escape(approval.Request.Rule)}` · expires {Clock(approval.Deadline)} UTC"));
            blocks.Add(Actions(approval, offerApprove: arguments.Fits));
        }
        else
        {
            blocks.Add(Section("approval_outcome", Outcome(approval)));
            blocks.Add(Context($"Approval `{Escape(approval.Id)}` · rule `{Escape(approval.Request.Rule)}`"));
        }

        return new SlackMessage(FallbackText(approval), blocks);
    }

    private static string Summary(ApprovalSnapshot approval)
    {
        var request = approval.Request;
        var title = approval.Status == ApprovalStatus.Pending ? "*Approval needed*" : "*Approval request*";
        return $"{title}: `{Escape(request.Tool)}` on *{Escape(request.Upstream)}*\n"
            + $"Agent: *{Escape(request.Agent)}*\n"
            + $"Risk: *{RiskName(request.Risk.Risk)}* ({Escape(request.Risk.Category.ToString())}): {Escape(request.Risk.Reason)}"
            + (request.HeldBecause is { Length: > 0 } because ? $"\nWhy it is held: {Escape(because)}" : "");
    }

    /// <summary>
    /// Rich text rather than a mrkdwn code fence: Slack shows a preformatted element's text as it is, so no argument
    /// can close the block and have the rest rendered as formatting, and &amp;, &lt; and &gt; need no escaping.
    /// </summary>
    private static JsonObject ArgumentsBlock(string json) => new()
    {
        ["type"] = "rich_text",
        ["block_id"] = "approval_arguments",
        ["elements"] = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "rich_text_section",
                ["elements"] = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = "Arguments", ["style"] = new JsonObject { ["bold"] = true } } },
            },
            new JsonObject
            {
                ["type"] = "rich_text_preformatted",
                ["elements"] = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = json } },
            },
        },
    };

    private string TooLongForSlack(bool pending)
    {
        const string TooLong = "*Arguments*: too long for Slack.";
        if (!pending)
        {
            return TooLong;
        }

        return $"{TooLong} Review them on {ThePage("the approval page", "the gateway's approval page")} and approve there;"
            + " here the call can only be rejected.";
    }

    private string? ArgumentsNotice(ApprovalRequest request, SlackArguments arguments)
    {
        var lines = new List<string>();
        if (request.ArgumentProblems is { Count: > 0 } problems)
        {
            lines.Add($":warning: *{Capitalized(ApprovalText.SchemaMismatch)}:*\n" + string.Join("\n", problems.Select(p => $"• {Escape(p)}")));
        }

        if (arguments.HiddenCharacters.Count > 0)
        {
            const int Named = 8;
            var names = string.Join(", ", arguments.HiddenCharacters.Take(Named).Select(InvisibleCharacters.Name))
                + (arguments.HiddenCharacters.Count > Named ? ", …" : "");
            lines.Add($":warning: *The arguments contain invisible or direction-changing characters* ({names})"
                + (arguments.Fits ? ", shown as `\\u` escapes where they occur." : "."));
        }

        if (arguments.Shortened)
        {
            lines.Add($"_Long values are cut, each followed by its full length: {ThePage("see them all on the approval page", "see them all on the gateway's approval page")}._");
        }

        return lines.Count == 0 ? null : string.Join("\n", lines);
    }

    private string ThePage(string linkText, string plainText) =>
        options.Value.PublicBaseUrl is { Length: > 0 } page ? $"<{page}|{linkText}>" : plainText;

    private static string? VoteLine(ApprovalSnapshot approval)
    {
        var needed = approval.Request.Settings.Approvals;
        if (needed <= 1)
        {
            return null;
        }

        var approvals = approval.Votes.Where(v => v.Approve).ToList();
        var line = $"{approvals.Count} of {needed} approvals";
        return approvals.Count == 0 ? line : $"{line}: {string.Join(", ", approvals.Select(Who))}";
    }

    private static string Outcome(ApprovalSnapshot approval)
    {
        var at = Clock(approval.ResolvedAt ?? approval.Deadline);
        switch (approval.Status)
        {
            case ApprovalStatus.Approved when approval.ReleasedByGrant is { } grant:
                return $":white_check_mark: Released at {at} UTC by {Escape(ApprovalText.ReleasedBy(grant))}, given on approval {Escape(grant.ApprovalId)}";
            case ApprovalStatus.Approved:
                var by = ApprovalText.Approvers(approval, approve: true, Who) is { Length: > 0 } approvers ? $" by {approvers}" : "";
                var approved = $":white_check_mark: Approved{by} at {at} UTC{ApprovalText.ForGrant(approval)}";
                return approval.GrantRevoked is { } revoked
                    ? $"{approved}\n:no_entry_sign: {Escape(Capitalized(ApprovalText.GrantRevoked(revoked, Clock(revoked.At))))}"
                    : approved;
            case ApprovalStatus.Rejected:
                var rejecter = approval.Votes.LastOrDefault(v => !v.Approve);
                var reason = approval.Reason ?? rejecter?.Reason;
                var rejectedBy = rejecter is null ? "" : $" by {Who(rejecter)}";
                return $":no_entry: Rejected{rejectedBy}" + (string.IsNullOrWhiteSpace(reason) ? $" at {at} UTC" : $": {Escape(reason)}");
            case ApprovalStatus.Expired:
                return $":hourglass: Expired at {at} UTC: nobody decided in time, so the call was not forwarded";
            case ApprovalStatus.Withdrawn:
                return ":leftwards_arrow_with_hook: Withdrawn: " + Escape(approval.Reason ?? "the agent cancelled the call");
            default:
                return "";
        }
    }

    /// <summary>Reject is always offered; Approve only when the prompt shows every argument key.</summary>
    private static JsonObject Actions(ApprovalSnapshot approval, bool offerApprove)
    {
        var critical = approval.Request.Risk.Risk == RiskClass.Critical;
        var confirm = critical
            ? new JsonObject
            {
                ["title"] = PlainText("Approve a critical call?"),
                ["text"] = Mrkdwn($"`{Escape(approval.Request.Tool)}` is classed *critical*. The call is forwarded as shown."),
                ["confirm"] = PlainText("Approve"),
                ["deny"] = PlainText("Cancel"),
            }
            : null;

        var elements = new JsonArray();
        if (offerApprove)
        {
            elements.Add(Button(SlackActionIds.Approve, "Approve", approval.Id, "primary", confirm?.DeepClone()));
        }

        elements.Add(Button(SlackActionIds.Reject, "Reject", approval.Id, "danger", confirm: null));
        var grantMinutes = approval.Request.Settings.GrantMinutes;
        if (offerApprove && grantMinutes > 0)
        {
            elements.Add(Button(SlackActionIds.ApproveGrant, $"Approve for {grantMinutes} min", approval.Id, style: null, confirm?.DeepClone()));
        }

        return new JsonObject { ["type"] = "actions", ["block_id"] = "approval_actions", ["elements"] = elements };
    }

    private static JsonObject Button(string actionId, string text, string value, string? style, JsonNode? confirm)
    {
        var button = new JsonObject
        {
            ["type"] = "button",
            ["action_id"] = actionId,
            ["text"] = PlainText(text),
            ["value"] = value,
        };
        if (style is not null)
        {
            button["style"] = style;
        }

        if (confirm is not null)
        {
            button["confirm"] = confirm;
        }

        return button;
    }

    private static string FallbackText(ApprovalSnapshot approval)
    {
        var request = approval.Request;
        var what = $"{request.Tool} on {request.Upstream} for {request.Agent}";
        return approval.Status switch
        {
            ApprovalStatus.Pending => $"Approval needed: {what} ({RiskName(request.Risk.Risk)} risk)",
            ApprovalStatus.Approved => $"Approved: {what}",
            ApprovalStatus.Rejected => $"Rejected: {what}",
            ApprovalStatus.Expired => $"Expired: {what}",
            _ => $"Withdrawn: {what}",
        };
    }

    private static string Who(ApproverVote vote) =>
        vote.SlackUserId is { Length: > 0 } id ? $"<@{id}>" : Escape(vote.Approver);

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string RiskName(RiskClass risk) => risk.ToString().ToLowerInvariant();

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Slack's mrkdwn treats only these three as control characters.</summary>
    private static string Escape(string text) =>
        new StringBuilder(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").ToString();

    private static JsonObject Section(string blockId, string mrkdwn) =>
        new() { ["type"] = "section", ["block_id"] = blockId, ["text"] = Mrkdwn(mrkdwn) };

    private static JsonObject Context(string mrkdwn) =>
        new() { ["type"] = "context", ["block_id"] = "approval_context", ["elements"] = new JsonArray { Mrkdwn(mrkdwn) } };

    private static JsonObject Mrkdwn(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };
}
