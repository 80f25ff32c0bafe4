using System.Net;
using ApprovalGateway.Hosting;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Audit;

/// <summary>
/// Puts requests refused before anyone could be identified (an unknown agent key at the MCP endpoint, a Slack
/// request whose signature does not verify) in the audit log, so it says what happened to them as well as to calls.
/// </summary>
/// <remarks>
/// At most <see cref="MaxRecordsPerMinute"/> such records a minute at each <see cref="RefusalDoor"/>: anyone can
/// send bad keys, and a flood of them must not fill the disk or crowd out the records of calls, nor those of another
/// door. Past the cap refusals are still counted (metrics, and the door's next record says how many went
/// unrecorded); the agent or Slack is refused either way.
/// </remarks>
internal sealed class RefusalAudit(IAuditLog audit, GatewayMetrics metrics, TimeProvider time, ILogger<RefusalAudit> logger)
{
    public const int MaxRecordsPerMinute = 60;

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly string Unauthenticated = DecisionKind.Unauthenticated.ToWireName();

    private readonly Lock _gate = new();
    private readonly Budget[] _budgets = [.. Enum.GetValues<RefusalDoor>().Select(_ => new Budget())];

    /// <summary>Records that <paramref name="what"/> was refused at <paramref name="door"/>; <paramref name="from"/> is the caller's address.</summary>
    /// <returns>
    /// Whether it had a record of its own, not only a count past the cap: callers log a refusal only then, so a flood
    /// of bad keys floods neither the audit nor the log.
    /// </returns>
    public async Task<bool> RecordAsync(RefusalDoor door, string what, IPAddress? from)
    {
        var now = time.GetUtcNow();
        int carried;
        lock (_gate)
        {
            var budget = _budgets[(int)door];
            if (now - budget.WindowStart >= Window)
            {
                (budget.WindowStart, budget.Recorded) = (now, 0);
            }

            carried = budget.Recorded < MaxRecordsPerMinute ? budget.Unrecorded : -1;
            if (carried < 0)
            {
                budget.Unrecorded++;
            }
            else
            {
                (budget.Recorded, budget.Unrecorded) = (budget.Recorded + 1, 0);
            }
        }

        var address = from is null ? "an unknown address" : ClientAddress.Plain(from).ToString();
        var reason = $"{what} (from {address})" + (carried > 0
            ? $"; {carried} more refused requests before this one were counted but not recorded one by one"
            : "");
        var record = new AuditRecord(
            now, null, "", "", "", null, "", Unauthenticated, "", Unauthenticated, reason, null, [], "", 0, 0, 0, 0);
        metrics.Refused(record);
        if (carried < 0)
        {
            return false;
        }

        try
        {
            await audit.AppendAsync(record, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The request is refused whether or not its record could be written.
            Log.RefusalNotRecorded(logger, reason, ex);
        }

        return true;
    }

    private sealed class Budget
    {
        public DateTimeOffset WindowStart = DateTimeOffset.MinValue;
        public int Recorded;
        public int Unrecorded;
    }
}
