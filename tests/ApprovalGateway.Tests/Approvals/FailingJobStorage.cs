using Hangfire;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.Storage;

namespace ApprovalGateway.Tests.Approvals;

/// <summary>
/// Hangfire storage that can be made unreachable, as a database is when it restarts: for its next connection only, or
/// for every one until it comes back. Connections opened before are not affected. Or its next connection can lose the
/// answer to its writes: each is applied, then the connection fails, as one dropped before the database's reply.
/// </summary>
internal sealed class FailingJobStorage(JobStorage inner) : JobStorage
{
    private int _failNext;
    private int _loseNextAnswer;
    private volatile bool _down;

    public void FailNextConnection() => Volatile.Write(ref _failNext, 1);

    public void LoseNextCommitAnswer() => Volatile.Write(ref _loseNextAnswer, 1);

    public void GoDown() => _down = true;

    public void ComeBack() => _down = false;

    public override IStorageConnection GetConnection()
    {
        if (_down || Interlocked.Exchange(ref _failNext, 0) == 1)
        {
            throw new InvalidOperationException("Storage unreachable (made so by the test)");
        }

        var connection = (JobStorageConnection)inner.GetConnection();
        return Interlocked.Exchange(ref _loseNextAnswer, 0) == 1 ? new AnswerLostConnection(connection) : connection;
    }

    public override IMonitoringApi GetMonitoringApi() => inner.GetMonitoringApi();

    /// <summary>Reads as its inner connection does; its write transactions are committed, then fail.</summary>
    private sealed class AnswerLostConnection(JobStorageConnection inner) : JobStorageConnection
    {
        public override IWriteOnlyTransaction CreateWriteTransaction() => new AnswerLostTransaction(inner.CreateWriteTransaction());

        public override IDisposable AcquireDistributedLock(string resource, TimeSpan timeout) => inner.AcquireDistributedLock(resource, timeout);

        public override string CreateExpiredJob(Job job, IDictionary<string, string> parameters, DateTime createdAt, TimeSpan expireIn) =>
            inner.CreateExpiredJob(job, parameters, createdAt, expireIn);

        public override IFetchedJob FetchNextJob(string[] queues, CancellationToken cancellationToken) => inner.FetchNextJob(queues, cancellationToken);

        public override void SetJobParameter(string id, string name, string value) => inner.SetJobParameter(id, name, value);

        public override string GetJobParameter(string id, string name) => inner.GetJobParameter(id, name);

        public override JobData GetJobData(string jobId) => inner.GetJobData(jobId);

        public override StateData GetStateData(string jobId) => inner.GetStateData(jobId);

        public override void AnnounceServer(string serverId, ServerContext context) => inner.AnnounceServer(serverId, context);

        public override void RemoveServer(string serverId) => inner.RemoveServer(serverId);

        public override void Heartbeat(string serverId) => inner.Heartbeat(serverId);

        public override int RemoveTimedOutServers(TimeSpan timeOut) => inner.RemoveTimedOutServers(timeOut);

        public override HashSet<string> GetAllItemsFromSet(string key) => inner.GetAllItemsFromSet(key);

        public override string GetFirstByLowestScoreFromSet(string key, double fromScore, double toScore) => inner.GetFirstByLowestScoreFromSet(key, fromScore, toScore);

        public override void SetRangeInHash(string key, IEnumerable<KeyValuePair<string, string>> keyValuePairs) => inner.SetRangeInHash(key, keyValuePairs);

        public override Dictionary<string, string> GetAllEntriesFromHash(string key) => inner.GetAllEntriesFromHash(key);

        public override List<string> GetRangeFromList(string key, int startingFrom, int endingAt) => inner.GetRangeFromList(key, startingFrom, endingAt);

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }

    private sealed class AnswerLostTransaction(IWriteOnlyTransaction inner) : JobStorageTransaction
    {
        public override void Commit()
        {
            inner.Commit();
            throw new InvalidOperationException("Storage connection lost before it answered (made so by the test)");
        }

        public override void ExpireJob(string jobId, TimeSpan expireIn) => inner.ExpireJob(jobId, expireIn);

        public override void PersistJob(string jobId) => inner.PersistJob(jobId);

        public override void SetJobState(string jobId, Hangfire.States.IState state) => inner.SetJobState(jobId, state);

        public override void AddJobState(string jobId, Hangfire.States.IState state) => inner.AddJobState(jobId, state);

        public override void AddToQueue(string queue, string jobId) => inner.AddToQueue(queue, jobId);

        public override void IncrementCounter(string key) => inner.IncrementCounter(key);

        public override void IncrementCounter(string key, TimeSpan expireIn) => inner.IncrementCounter(key, expireIn);

        public override void DecrementCounter(string key) => inner.DecrementCounter(key);

        public override void DecrementCounter(string key, TimeSpan expireIn) => inner.DecrementCounter(key, expireIn);

        public override void AddToSet(string key, string value) => inner.AddToSet(key, value);

        public override void AddToSet(string key, string value, double score) => inner.AddToSet(key, value, score);

        public override void RemoveFromSet(string key, string value) => inner.RemoveFromSet(key, value);

        public override void InsertToList(string key, string value) => inner.InsertToList(key, value);

        public override void RemoveFromList(string key, string value) => inner.RemoveFromList(key, value);

        public override void TrimList(string key, int keepStartingFrom, int keepEndingAt) => inner.TrimList(key, keepStartingFrom, keepEndingAt);

        public override void SetRangeInHash(string key, IEnumerable<KeyValuePair<string, string>> keyValuePairs) => inner.SetRangeInHash(key, keyValuePairs);

        public override void RemoveHash(string key) => inner.RemoveHash(key);

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }
}
