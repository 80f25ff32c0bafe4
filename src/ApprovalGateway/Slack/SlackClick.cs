using System.Text.Json;
using static ApprovalGateway.Slack.SlackJson;

namespace ApprovalGateway.Slack;

/// <summary>The fields of a <c>block_actions</c> payload the gateway uses, copied out of the JSON.</summary>
internal sealed record SlackClick(
    string SlackUserId,
    string? Username,
    string ActionId,
    string ApprovalId,
    Uri? ResponseUrl,
    string? DeliveryKey)
{
    /// <summary>Reads a button click on an approval prompt; null (with the reason) for anything else.</summary>
    public static SlackClick? Parse(JsonElement payload, out string? problem)
    {
        problem = null;
        if (payload.ValueKind != JsonValueKind.Object || Text(payload, "type") != "block_actions")
        {
            problem = "not a block_actions payload";
            return null;
        }

        if (!payload.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array || actions.GetArrayLength() == 0)
        {
            problem = "block_actions without actions";
            return null;
        }

        var action = actions[0];
        var actionId = Text(action, "action_id");
        if (actionId is not (SlackActionIds.Approve or SlackActionIds.Reject or SlackActionIds.ApproveGrant))
        {
            problem = $"unknown action '{actionId}'";
            return null;
        }

        var approvalId = Text(action, "value");
        var user = payload.TryGetProperty("user", out var u) ? u : default;
        var userId = Text(user, "id");
        if (string.IsNullOrEmpty(approvalId) || string.IsNullOrEmpty(userId))
        {
            problem = "click without an approval id or a user id";
            return null;
        }

        var responseUrl = Uri.TryCreate(Text(payload, "response_url"), UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
                ? url
                : null;
        var stamp = Text(action, "action_ts") ?? Text(payload, "trigger_id");
        var deliveryKey = stamp is null ? null : $"{userId}|{approvalId}|{actionId}|{stamp}";
        return new SlackClick(userId, Text(user, "username") ?? Text(user, "name"), actionId, approvalId, responseUrl, deliveryKey);
    }
}
