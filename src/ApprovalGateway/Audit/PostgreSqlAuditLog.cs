using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ApprovalGateway.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ApprovalGateway.Audit;

/// <summary>
/// The shared audit sink: the file sink's hash chain, one row per record in <c>audit_log</c>, for every instance
/// writing to the same database. A transaction-level advisory lock serializes writers, and each reads the head
/// inside its transaction, so the chain stays one sequence whoever writes. Like the file sink, one writer loop
/// commits every append waiting at that moment in one transaction and releases their callers after the commit.
/// </summary>
/// <remarks>
/// The chain alone cannot show rows cut from its end, or an emptied table (the next record would start a new chain at
/// seq 1). So, as the file sink keeps its head in the lock file, each commit also keeps the head in a one-row table,
/// <c>audit_head</c>: a writer goes on from whichever is further, the table's last row or the kept head, so the gap
/// stays in the chain; finding one is logged (event 5012) and shown in <c>/api/health</c>, and <c>verify-audit</c>
/// fails on a table that ends before the kept head. Whoever can delete rows can delete that row too: it catches a
/// truncation or a restore from an old backup, not someone who knows to rewrite both.
/// </remarks>
internal sealed class PostgreSqlAuditLog : IAuditLog, IAuditQuery, IHealthSignal, IAsyncDisposable
{
    public const string Table = "audit_log";

    /// <summary>The chain's head as the last commit left it: one row, id 1.</summary>
    public const string HeadTable = "audit_head";

    private const int MaxBatch = 512;

    // Any key no other feature locks on: the ASCII of "AGAUDIT" as a bigint. Text, so it can sit in the SQL constants.
    private const string LockKey = "18374219415177556";

    private const string CreateSql = $"""
        SELECT pg_advisory_xact_lock({LockKey});
        CREATE TABLE IF NOT EXISTS {Table} (
            seq bigint PRIMARY KEY,
            line text NOT NULL,
            hash text NOT NULL,
            prev text NOT NULL,
            time timestamptz NOT NULL,
            agent text,
            tool text NOT NULL,
            decision text NOT NULL,
            outcome text NOT NULL);
        CREATE INDEX IF NOT EXISTS {Table}_time ON {Table} (time);
        CREATE TABLE IF NOT EXISTS {HeadTable} (
            id int PRIMARY KEY CHECK (id = 1),
            seq bigint NOT NULL,
            hash text NOT NULL);
        """;

    private const string KeepHeadSql = $"""
        INSERT INTO {HeadTable} (id, seq, hash) VALUES (1, @seq, @hash)
        ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
        """;

    // The table's last row and the kept head, in that order; either may be missing.
    private const string HeadsSql = $"""
        SELECT 'row', seq, hash FROM (SELECT seq, hash FROM {Table} ORDER BY seq DESC LIMIT 1) last
        UNION ALL SELECT 'kept', seq, hash FROM {HeadTable} WHERE id = 1
        """;

    private const string InsertSql = $"""
        INSERT INTO {Table} (seq, line, hash, prev, time, agent, tool, decision, outcome)
        SELECT * FROM unnest(@seq, @line, @hash, @prev, @time, @agent, @tool, @decision, @outcome)
        """;

    private readonly NpgsqlDataSource dataSource;
    private readonly ILogger logger;
    private readonly Channel<PendingAppend> queue =
        Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writer;
    private readonly string instance;
    private readonly AuditWriteStatus status;
    private volatile string? cut;

    /// <param name="instance">What each record this instance writes names it (<see cref="AuditOptions.InstanceName"/>).</param>
    public PostgreSqlAuditLog(string connectionString, string instance, ILogger<PostgreSqlAuditLog> logger, TimeProvider? time = null)
    {
        this.logger = logger;
        this.instance = instance;
        status = new AuditWriteStatus(time ?? TimeProvider.System);
        dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            Open();
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }

        writer = Task.Run(WriteLoopAsync);
    }

    public string? Problem => status.Problem ?? cut;

    // Records lost from the table is for approvers to look into, not a reason to send agents elsewhere: every
    // instance shares the table, so each would be as degraded as the next.
    public bool Degrades => status.Problem is not null;

    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var (stored, entry) = AuditChain.ToEntry(record with { Instance = instance });
        var pending = new PendingAppend(entry, stored, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgreSqlAuditLog), "The audit log is closed.");
        }

        // Cancelling stops the wait, not the write: a call that happened is recorded either way.
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The newest records of every instance, read from the table.</summary>
    public IReadOnlyList<AuditRecord> Recent(int limit)
    {
        using var connection = dataSource.OpenConnection();
        using var command = QueryCommand(connection, new AuditQuery(Limit: Math.Max(limit, 0)));
        using var reader = command.ExecuteReader();
        var records = new List<AuditRecord>();
        while (reader.Read())
        {
            if (Readable(reader.GetString(0)) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    public async ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in StreamAsync(query, cancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    public async IAsyncEnumerable<AuditRecord> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Npgsql hands rows over as they arrive, so the rows are never all in memory at once.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = QueryCommand(connection, query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Readable(reader.GetString(0)) is { } record)
            {
                yield return record;
            }
        }
    }

    /// <summary>
    /// Walks the table's chain by seq; a problem names the row as <c>seq N</c>. The columns copied out of each line for
    /// searches (time, agent, tool, decision, outcome, hash, prev) are outside what is hashed, so they are checked
    /// against the line too: edited, they would hide a record from a search (or show it under another tool) while the
    /// chain still held.
    /// </summary>
    /// <param name="after">Where the rows verified go on from; <see cref="AuditAnchor.Genesis"/> for the whole table.</param>
    public static AuditVerification Verify(string connectionString, AuditAnchor after) => Verify(connectionString, after, out _);

    /// <param name="kept">The head the writers kept in <see cref="HeadTable"/>, or null (none yet, or an older version wrote the table).</param>
    public static AuditVerification Verify(string connectionString, AuditAnchor after, out AuditAnchor? kept)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        kept = ReadKeptHead(connection);
        using var command = new NpgsqlCommand(
            $"SELECT seq, line, time, agent, tool, decision, outcome, hash, prev FROM {Table} WHERE seq > $1 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = after.Seq });
        using var reader = command.ExecuteReader();
        (long Seq, string Columns)? mismatch = null;
        var result = AuditChainVerifier.Verify(Rows(), after, AuditChainSource.Table);
        return result.Holds && mismatch is { } found
            ? result with
            {
                Records = found.Seq - 1 - after.Seq,
                Problem = $"seq {found.Seq}: the row's {found.Columns} {(found.Columns.Contains(',', StringComparison.Ordinal) ? "do" : "does")} not match its line: " +
                    "the row was edited after it was written, so searches by those columns find it wrongly",
            }
            : result;

        IEnumerable<(string Location, string Text)> Rows()
        {
            while (reader.Read())
            {
                var (seq, line) = (reader.GetInt64(0), reader.GetString(1));
                if (mismatch is null && DifferingColumns(reader, line) is { } columns)
                {
                    mismatch = (seq, columns);
                }

                yield return ($"seq {seq}", line);
            }
        }
    }

    /// <summary>The copied-out columns that disagree with the line, or null (also for a line that is no record: the chain check names that).</summary>
    private static string? DifferingColumns(NpgsqlDataReader row, string line)
    {
        JsonObject entry;
        try
        {
            entry = AuditChain.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }

        var differing = new List<string>();
        var time = entry["time"] is JsonValue value && value.TryGetValue<DateTimeOffset>(out var t) ? t : (DateTimeOffset?)null;
        // The column keeps microseconds, the line ticks.
        if (time is null || Math.Abs((row.GetFieldValue<DateTime>(2) - time.Value.UtcDateTime).TotalMilliseconds) >= 1)
        {
            differing.Add("time");
        }

        foreach (var (ordinal, name) in new[] { (3, "agent"), (4, "tool"), (5, "decision"), (6, "outcome"), (7, AuditChain.HashProperty), (8, AuditChain.PrevProperty) })
        {
            var column = row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
            var inLine = entry[name] is JsonValue text && text.TryGetValue<string>(out var written) ? written : null;
            if (!string.Equals(column, inLine, StringComparison.Ordinal))
            {
                differing.Add(name);
            }
        }

        return differing.Count == 0 ? null : string.Join(", ", differing);
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writer;
        await dataSource.DisposeAsync();
    }

    private static AuditAnchor? ReadKeptHead(NpgsqlConnection connection)
    {
        using var exists = new NpgsqlCommand($"SELECT to_regclass('{HeadTable}') IS NOT NULL", connection);
        if (!(bool)exists.ExecuteScalar()!)
        {
            return null;
        }

        using var command = new NpgsqlCommand($"SELECT seq, hash FROM {HeadTable} WHERE id = 1", connection);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new AuditAnchor(reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private void Open()
    {
        using var connection = dataSource.OpenConnection();
        using (var transaction = connection.BeginTransaction())
        {
            // Under the lock, so instances starting together do not race to create the same table.
            using var create = new NpgsqlCommand(CreateSql, connection, transaction);
            create.ExecuteNonQuery();
            transaction.Commit();
        }

        using var heads = new NpgsqlCommand(HeadsSql, connection);
        using var reader = heads.ExecuteReader();
        var (last, kept) = (0L, 0L);
        while (reader.Read())
        {
            if (reader.GetString(0) == "row")
            {
                last = reader.GetInt64(1);
            }
            else
            {
                kept = reader.GetInt64(1);
            }
        }

        Check(connection.Database, last, kept);
        var next = Math.Max(last, kept) + 1;
        Log.PostgreSqlAuditOpened(logger, connection.Database, last, next);
    }

    /// <summary>Notes a table that ends before the head kept beside it, at startup or when a writer finds it so.</summary>
    private void Check(string database, long last, long kept)
    {
        if (kept <= last || cut is not null)
        {
            return;
        }

        cut = $"The audit table ends at seq {last}, but the gateway wrote up to seq {kept}: records were deleted from its end " +
            $"or the table emptied. New records go on from seq {kept + 1}; verify-audit --postgres shows the gap.";
        Log.PostgreSqlAuditCut(logger, database, last, kept, kept + 1);
    }

    private static NpgsqlCommand QueryCommand(NpgsqlConnection connection, AuditQuery query)
    {
        var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder($"SELECT line FROM {Table} WHERE true");
        // As AuditQuery.Matches: any part of the name, in any case. strpos, not LIKE, so '%' and '_' are plain characters.
        Part("agent", query.Agent);
        Part("tool", query.Tool);
        Filter("decision", "=", query.Decision);
        if (query.Outcome == AuditQuery.ApprovedOutcome)
        {
            // As AuditQuery.Matches: a held call that went on to the upstream.
            Filter("decision", "=", AuditQuery.HeldDecision);
            sql.Append(" AND outcome = ANY(@sent)");
            command.Parameters.AddWithValue("sent", AuditQuery.SentOutcomes);
        }
        else
        {
            Filter("outcome", "=", query.Outcome);
        }

        Filter("time", ">=", query.Since?.UtcDateTime);
        Filter("time", "<", query.Until?.UtcDateTime);
        sql.Append(" ORDER BY seq DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", query.Limit);
        command.CommandText = sql.ToString();
        return command;

        void Part(string column, string? value)
        {
            if (value is not null)
            {
                var name = $"p{command.Parameters.Count}";
                sql.Append($" AND strpos(lower({column}), lower(@{name})) > 0");
                command.Parameters.AddWithValue(name, value);
            }
        }

        void Filter(string column, string op, object? value)
        {
            if (value is not null)
            {
                var name = $"p{command.Parameters.Count}";
                sql.Append($" AND {column} {op} @{name}");
                command.Parameters.AddWithValue(name, value);
            }
        }
    }

    private static AuditRecord? Readable(string line)
    {
        try
        {
            return AuditChain.ToRecord(AuditChain.Parse(line));
        }
        catch (JsonException)
        {
            // A damaged row is verify-audit's business; the search shows what can still be read.
            return null;
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            Exception? failure = null;
            try
            {
                await WriteBatchAsync(batch);
            }
            catch (NpgsqlException ex) when (ex.IsTransient)
            {
                failure = await RetryOnFreshConnectionAsync(batch, ex);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (failure is not null)
            {
                // Nothing was committed, and the next batch reads the head afresh, so there is nothing to undo.
                Log.PostgreSqlWriteFailed(logger, failure, batch.Count);
                status.Failed(failure);
                batch.ForEach(p => p.Done.TrySetException(failure));
                continue;
            }

            status.Written();
            batch.ForEach(p => p.Done.TrySetResult());
        }
    }

    /// <summary>
    /// A server restart leaves every idle pooled connection broken, and Npgsql finds out only on use: the pool is
    /// emptied and the batch written once more on a new connection. The retry re-reads the head, so the chain holds;
    /// a commit whose acknowledgement alone was lost would show as the same call recorded twice, never as a gap.
    /// </summary>
    private async Task<Exception?> RetryOnFreshConnectionAsync(List<PendingAppend> batch, NpgsqlException first)
    {
        Log.PostgreSqlWriteRetried(logger, batch.Count, first.Message);
        dataSource.Clear();
        try
        {
            await WriteBatchAsync(batch);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await take.ExecuteNonQueryAsync();
        }

        var (seq, head) = await ReadHeadAsync(connection, transaction);
        var n = batch.Count;
        var (seqs, lines, hashes, prevs, times) = (new long[n], new string[n], new string[n], new string[n], new DateTime[n]);
        var (agents, tools, decisions, outcomes) = (new string?[n], new string[n], new string[n], new string[n]);
        for (var i = 0; i < n; i++)
        {
            var record = batch[i].Record;
            (seqs[i], prevs[i]) = (++seq, head);
            (lines[i], hashes[i]) = AuditChain.Seal(batch[i].Entry, seq, head);
            head = hashes[i];
            (times[i], agents[i], tools[i], decisions[i], outcomes[i]) =
                (record.Time.UtcDateTime, record.Agent, record.Tool, record.Decision, record.Outcome);
        }

        await using (var insert = new NpgsqlCommand(InsertSql, connection, transaction))
        {
            insert.Parameters.AddWithValue("seq", seqs);
            insert.Parameters.AddWithValue("line", lines);
            insert.Parameters.AddWithValue("hash", hashes);
            insert.Parameters.AddWithValue("prev", prevs);
            insert.Parameters.AddWithValue("time", times);
            insert.Parameters.AddWithValue("agent", agents);
            insert.Parameters.AddWithValue("tool", tools);
            insert.Parameters.AddWithValue("decision", decisions);
            insert.Parameters.AddWithValue("outcome", outcomes);
            await insert.ExecuteNonQueryAsync();
        }

        await using (var keep = new NpgsqlCommand(KeepHeadSql, connection, transaction))
        {
            keep.Parameters.AddWithValue("seq", seq);
            keep.Parameters.AddWithValue("hash", head);
            await keep.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>The further of the table's last row and the kept head, so records cut from the table leave a gap in the chain.</summary>
    private async Task<(long Seq, string Hash)> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var command = new NpgsqlCommand(HeadsSql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        (long Seq, string Hash) row = (0, AuditChain.Genesis), kept = (0, AuditChain.Genesis);
        while (await reader.ReadAsync())
        {
            var head = (reader.GetInt64(1), reader.GetString(2));
            if (reader.GetString(0) == "row")
            {
                row = head;
            }
            else
            {
                kept = head;
            }
        }

        Check(connection.Database, row.Seq, kept.Seq);
        return kept.Seq > row.Seq ? kept : row;
    }

    private readonly record struct PendingAppend(JsonObject Entry, AuditRecord Record, TaskCompletionSource Done);
}
