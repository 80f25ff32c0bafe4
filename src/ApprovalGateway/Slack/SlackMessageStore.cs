using Hangfire;
using Hangfire.Storage;

namespace ApprovalGateway.Slack;

/// <summary>
/// Keeps each prompt's channel, ts and posting job in a Hangfire hash (<c>slack-message:{approvalId}</c>), so a retried
/// or restarted job finds what was already posted and another gateway instance sharing the storage does too.
/// </summary>
internal sealed class SlackMessageStore(JobStorage storage)
{
    /// <summary>How long the record outlives the approval's deadline: late updates (a withdrawal, an expiry) still find it.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private const string Channel = "channel";
    private const string Ts = "ts";
    private const string PostJobId = "postJobId";
    private const string PostStartedAt = "postStartedAt";

    public static string Key(string approvalId) => $"slack-message:{approvalId}";

    public SlackPromptState Get(string approvalId)
    {
        using var connection = storage.GetConnection();
        var entries = connection.GetAllEntriesFromHash(Key(approvalId));
        if (entries is null)
        {
            return new SlackPromptState(null, null, null);
        }

        var message = entries.TryGetValue(Channel, out var channel) && entries.TryGetValue(Ts, out var ts)
            ? new SlackMessageRef(channel, ts)
            : null;
        var postStartedAt = entries.TryGetValue(PostStartedAt, out var started) && long.TryParse(started, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        return new SlackPromptState(entries.GetValueOrDefault(PostJobId), message, postStartedAt);
    }

    public void SavePostJobId(string approvalId, string jobId, TimeSpan timeToLive) =>
        Save(approvalId, [new(PostJobId, jobId)], timeToLive);

    /// <summary>Recorded before the first chat.postMessage: from then on a message for the approval may exist in Slack.</summary>
    public void SavePostStarted(string approvalId, DateTimeOffset at, TimeSpan timeToLive) =>
        Save(approvalId, [new(PostStartedAt, at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture))], timeToLive);

    public void SaveMessage(string approvalId, SlackMessageRef message, TimeSpan timeToLive) =>
        Save(approvalId, [new(Channel, message.Channel), new(Ts, message.Ts)], timeToLive);

    /// <summary>Serialises the jobs of one approval, so an update reads the newest state and nothing posts twice.</summary>
    public IDisposable Lock(string approvalId, TimeSpan timeout)
    {
        var connection = storage.GetConnection();
        try
        {
            return new Lease(connection, connection.AcquireDistributedLock($"{Key(approvalId)}:lock", timeout));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Save(string approvalId, KeyValuePair<string, string>[] fields, TimeSpan timeToLive)
    {
        using var connection = storage.GetConnection();
        using var transaction = connection.CreateWriteTransaction();
        transaction.SetRangeInHash(Key(approvalId), fields);
        if (transaction is JobStorageTransaction expiring)
        {
            expiring.ExpireHash(Key(approvalId), timeToLive);
        }

        transaction.Commit();
    }

    private sealed class Lease(IStorageConnection connection, IDisposable distributedLock) : IDisposable
    {
        public void Dispose()
        {
            distributedLock.Dispose();
            connection.Dispose();
        }
    }
}
