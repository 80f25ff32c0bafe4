using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Web;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Slack;

/// <summary>
/// One button click, from the HTTP endpoint or Socket Mode: map the Slack user to an approver, ask the decision
/// service, and tell the clicker privately when their click did not resolve the approval. The prompt itself is
/// re-rendered by <see cref="SlackPromptJobs.UpdatePromptAsync"/> when the approval changes.
/// </summary>
internal sealed class SlackInteractionHandler(
    IApprovalDecisions decisions,
    SlackApiClient slack,
    RecentSlackClicks recentClicks,
    ILogger<SlackInteractionHandler> logger,
    IApproverDirectory? directory = null)
{
    /// <summary>Slack wants its answer within 3 s; the decision is an in-memory compare-and-set, so 2 s is ample.</summary>
    public static readonly TimeSpan DecisionTimeout = TimeSpan.FromSeconds(2);

    private const string Channel = "slack";

    public async Task HandleAsync(JsonElement payload, CancellationToken cancellationToken)
    {
        if (SlackClick.Parse(payload, out var problem) is not { } click)
        {
            Log.InteractionIgnored(logger, problem ?? "unreadable payload");
            return;
        }

        if (click.DeliveryKey is { } key && !recentClicks.TryRecord(key))
        {
            Log.ClickRepeated(logger, click.SlackUserId, click.ApprovalId);
            return;
        }

        if (Approver(click) is not { } approver)
        {
            Log.ClickFromUnlinkedUser(logger, click.SlackUserId, click.Username, click.ApprovalId);
            Tell(click, $"Your click was not counted: your Slack account ({click.SlackUserId}) is not linked to an approver of this gateway. An admin links it with Approvers:{{name}}:SlackUserId.");
            return;
        }

        var approve = click.ActionId != SlackActionIds.Reject;
        int? grantMinutes = click.ActionId == SlackActionIds.ApproveGrant
            && decisions.Get(click.ApprovalId)?.Request.Settings.GrantMinutes is > 0 and var minutes
                ? minutes
                : null;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DecisionTimeout);
        DecisionResult result;
        try
        {
            result = await decisions.DecideAsync(click.ApprovalId, approver, approve, reason: null, grantMinutes, Channel, timeout.Token)
                .WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.DecisionTimedOut(logger, click.ApprovalId, click.SlackUserId, DecisionTimeout);
            Tell(click, "The gateway did not record your decision in time. Try again, or decide on the gateway's web page.");
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.DecisionFailed(logger, ex, click.ApprovalId, click.SlackUserId);
            Tell(click, "The gateway could not record your decision. Try again, or decide on the gateway's web page.");
            return;
        }

        Log.ClickDecided(logger, click.SlackUserId, approver.Name, click.ActionId, click.ApprovalId, result.Kind);
        if (result.Kind != DecisionResultKind.Resolved)
        {
            Tell(click, string.IsNullOrWhiteSpace(result.Message) ? DefaultMessage(result.Kind) : result.Message);
        }
    }

    /// <summary>
    /// Configured approvers are known in Slack by their user ID alone: a username or display name is the clicker's
    /// to choose, so it never stands for an approver. With none configured, membership of the channel is the gate,
    /// and the clicker is named after their user ID, which no configured name (a configuration key, so never
    /// containing ':') can equal.
    /// </summary>
    private ApproverIdentity? Approver(SlackClick click) =>
        directory is { HasApprovers: true }
            ? directory.FindBySlackUserId(click.SlackUserId)
            : new ApproverIdentity(
                click.Username is { Length: > 0 } username ? $"slack:{click.SlackUserId} ({username})" : $"slack:{click.SlackUserId}",
                click.SlackUserId);

    private static string DefaultMessage(DecisionResultKind kind) => kind switch
    {
        DecisionResultKind.AwaitingMoreApprovals => "Your approval counted; the rule needs more approvers.",
        DecisionResultKind.AlreadyResolved => "This approval was already decided.",
        DecisionResultKind.NotAllowed => "You are not an approver for this tool.",
        DecisionResultKind.NotFound => "This approval no longer exists.",
        _ => "Done.",
    };

    /// <summary>Answers after the ack, off the request path: response_url accepts messages for 30 minutes.</summary>
    private void Tell(SlackClick click, string text)
    {
        if (click.ResponseUrl is not { } responseUrl)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await slack.PostEphemeralAsync(responseUrl, text, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.EphemeralFailed(logger, ex, click.ApprovalId);
            }
        });
    }
}
