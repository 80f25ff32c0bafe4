using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace ApprovalGateway.Audit;

/// <summary>
/// The embedded audit sink: one append-only, hash-chained JSON Lines file. Appends are group-committed: whoever
/// finds the file idle becomes its writer, takes every append waiting at that moment, writes them with one write,
/// then releases all their callers, so durability costs one fsync per batch rather than per call.
/// The first caller writes on its own thread, so a lone call pays no hand-off to a writer thread and back; appends
/// that queue behind it go to a background writer, so its answer never waits for later callers.
/// Only a record that lets a call go waits for the fsync. The others (outcomes, refusals) are released once
/// written, which a crash of the gateway does not undo, and reach the disk with the next batch's fsync or
/// <see cref="FlushDelay"/> later, whichever comes first: a call then costs one fsync, not two. With
/// <c>waitForDisk</c> off, every record is treated that way.
/// </summary>
internal sealed class FileAuditLog : IAuditLog, IAuditQuery, IHealthSignal, IAsyncDisposable
{
    /// <summary>How long a written record may wait for an fsync when no record that needs one follows it.</summary>
    public static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How far a record's time may fall behind the one written before it: concurrent calls stamp their records a
    /// little before they queue for the writer. A search with a start time reads this far past it, then stops.
    /// </summary>
    private static readonly TimeSpan OrderSlack = TimeSpan.FromMinutes(1);

    /// <summary>How many matching records <see cref="StreamAsync"/> reads at a time.</summary>
    private const int StreamBatch = 256;

    /// <summary>The chain's head as the lock file keeps it: seq (20 digits), a space, the hash (64 hex digits), a newline.</summary>
    private const int HeadRecordLength = 20 + 1 + 64 + 1;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>What logrotate's <c>dateext</c> puts after the name with its default and common date formats.</summary>
    private static readonly SearchValues<char> RotatedDateCharacters = SearchValues.Create("0123456789-_");

    private readonly string path;
    private readonly FileStream writerLock;
    private readonly SafeFileHandle writerLockHandle;
    private readonly byte[] headRecord = new byte[HeadRecordLength];
    private FileStream stream;
    private readonly AuditRing ring;
    private readonly ILogger logger;
    private readonly bool waitForDisk;
    private readonly TimeProvider time;
    private readonly AuditWriteStatus status;
    private readonly Lock gate = new();
    private readonly ArrayBufferWriter<byte> buffer = new();
    private readonly AuditLineWriter lines = new();
    private List<PendingAppend> waiting = [];
    private bool writing;
    private bool closed;
    private bool flushScheduled;
    private TaskCompletionSource? idle;

    // Touched only by the current writer; the gate orders one writer's changes before the next one's.
    private long seq;
    private string head = AuditChain.Genesis;
    private string? openedAs;
    private long nextWhereOpenCheck;
    private Exception? broken;
    private int unflushed;

    public FileAuditLog(string path, int recentCapacity, ILogger<FileAuditLog> logger, bool waitForDisk = true, TimeProvider? time = null)
    {
        this.waitForDisk = waitForDisk;
        this.time = time ?? TimeProvider.System;
        status = new AuditWriteStatus(this.time);
        this.path = Path.GetFullPath(path);
        this.logger = logger;
        ring = new AuditRing(recentCapacity);
        PrivateFolder.Create(Path.GetDirectoryName(this.path)!);

        writerLock = TakeWriterLock(this.path);
        writerLockHandle = writerLock.SafeFileHandle;
        try
        {
            stream = OpenOrCreate(this.path, FileShare.Read);
        }
        catch
        {
            writerLock.Dispose();
            throw;
        }

        try
        {
            Open(recentCapacity);
        }
        catch
        {
            stream.Dispose();
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Records hold call arguments (addresses, amounts), so a file the gateway creates is its user's alone, as its folder
    /// is (<see cref="PrivateFolder"/>); one an admin made (logrotate's <c>create</c> mode) keeps the mode it was given.
    /// </summary>
    private static FileStream OpenOrCreate(string path, FileShare share)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = share, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// One writer per file, held until disposed: a lock file beside it, opened exclusively (an advisory lock on Unix,
    /// which readers such as verify-audit never take). Two gateways on one data folder (two MCP clients launching the
    /// same --stdio command) would otherwise both append, each chaining from the record it last saw.
    /// </summary>
    private static FileStream TakeWriterLock(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            return OpenOrCreate(lockPath, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(lockPath))
        {
            throw new AuditLogInUseException(
                $"{path} is in use by another gateway process (it holds {lockPath}); two writers would break the audit log's hash chain. " +
                "Stop the other gateway, or give each its own Gateway:DataPath (with --stdio, each MCP client that launches the gateway needs its own).",
                ex);
        }
    }

    public string FilePath => path;

    public string? Problem => status.Problem;

    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var (stored, entry) = AuditChain.ToEntry(record);
        var pending = new PendingAppend(entry, stored, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            waiting.Add(pending);
            lead = !writing;
            writing = true;
        }

        if (lead)
        {
            Drain(pending);
        }

        // Cancelling stops the wait, not the write: a call that happened is recorded either way.
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    public IReadOnlyList<AuditRecord> Recent(int limit) => ring.Newest(limit);

    public ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken) =>
        new(Task.Run<IReadOnlyList<AuditRecord>>(() => [.. Query(query, cancellationToken)], cancellationToken));

    public async IAsyncEnumerable<AuditRecord> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Read off the caller's thread a batch at a time, as QueryAsync reads: the reads are synchronous file reads.
        using var matching = Query(query, cancellationToken).GetEnumerator();
        var batch = new List<AuditRecord>(StreamBatch);
        do
        {
            batch.Clear();
            await Task.Run(
                () =>
                {
                    while (batch.Count < StreamBatch && matching.MoveNext())
                    {
                        batch.Add(matching.Current);
                    }
                },
                cancellationToken);
            foreach (var record in batch)
            {
                yield return record;
            }
        }
        while (batch.Count == StreamBatch);
    }

    public async ValueTask DisposeAsync()
    {
        Task finished;
        lock (gate)
        {
            closed = true;
            idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!writing)
            {
                idle.TrySetResult();
            }

            finished = idle.Task;
        }

        await finished;
        if (unflushed > 0)
        {
            FlushAfterAnswers();
        }

        await stream.DisposeAsync();
        await writerLock.DisposeAsync();
    }

    /// <summary>
    /// Reads from the newest record back, through the current file and then the rotated ones beside it, and stops at
    /// <see cref="AuditQuery.Limit"/> matches or, with <see cref="AuditQuery.Since"/>, once records are older than it
    /// by more than <see cref="OrderSlack"/>.
    /// </summary>
    private IEnumerable<AuditRecord> Query(AuditQuery query, CancellationToken cancellationToken)
    {
        var found = 0;
        foreach (var file in FilesNewestFirst())
        {
            foreach (var record in ReadBackward(file, cancellationToken))
            {
                if (query.Since is { } since && record.Time < since - OrderSlack)
                {
                    yield break;
                }

                if (query.Matches(record))
                {
                    yield return record;
                    if (++found >= query.Limit)
                    {
                        yield break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The file, then those logrotate moved away beside it and left as plain text (<c>audit.jsonl.1</c>, with
    /// <c>dateext</c> <c>audit.jsonl-20261127</c>), last written first: after a nightly rotation, yesterday's calls
    /// are what an approver searches for. Compressed files are not read.
    /// </summary>
    private IEnumerable<string> FilesNewestFirst()
    {
        yield return path;
        var name = Path.GetFileName(path);
        List<FileInfo> rotated;
        try
        {
            rotated = [.. new DirectoryInfo(Path.GetDirectoryName(path)!).EnumerateFiles(name + "*")
                .Where(f => IsRotatedName(f.Name.AsSpan(name.Length)))
                .OrderByDescending(f => f.LastWriteTimeUtc)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var file in rotated)
        {
            yield return file.FullName;
        }
    }

    private static bool IsRotatedName(ReadOnlySpan<char> suffix) => suffix switch
    {
        ['.', .. var number] => number.Length > 0 && !number.ContainsAnyExceptInRange('0', '9'),
        ['-', var first, .. var date] => char.IsAsciiDigit(first) && !date.ContainsAnyExcept(RotatedDateCharacters),
        _ => false,
    };

    private static IEnumerable<AuditRecord> ReadBackward(string file, CancellationToken cancellationToken)
    {
        FileStream reading;
        try
        {
            reading = AuditLineReader.OpenForReading(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            // Rotated away with no record written since to create the next file, or compressed and removed meanwhile.
            yield break;
        }

        using var _ = reading;
        foreach (var text in AuditLineReader.ReadBackward(reading, AuditLineReader.EndOfCompleteLines(reading)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            AuditRecord record;
            try
            {
                record = AuditChain.ToRecord(AuditChain.Parse(text));
            }
            catch (JsonException)
            {
                // A damaged line is verify-audit's business; the search shows what can still be read.
                continue;
            }

            yield return record;
        }
    }

    private void Open(int recentCapacity)
    {
        var end = AuditLineReader.EndOfCompleteLines(stream);
        if (stream.Length > end)
        {
            Log.PartialLineTruncated(logger, path, stream.Length - end, end);
            stream.SetLength(end);
            stream.Flush(flushToDisk: true);
        }

        // Newest first; the newest line is the chain's head even when no record is kept in memory.
        var tail = AuditLineReader.ReadBackward(stream, end).Take(Math.Max(recentCapacity, 1)).ToList();
        stream.Position = end;
        if (tail.Count > 0)
        {
            ReadHead(tail[0]);
        }
        else if (ReadLockedHead() is { } kept)
        {
            // Rotated away while the gateway was stopped (logrotate restarting it): the chain goes on in the new file.
            (seq, head) = (kept.Seq, kept.Hash);
            Log.AuditChainContinued(logger, path, seq + 1);
        }

        for (var i = Math.Min(recentCapacity, tail.Count) - 1; i >= 0; i--)
        {
            try
            {
                ring.Add(AuditChain.ToRecord(AuditChain.Parse(tail[i])));
            }
            catch (JsonException)
            {
                // Unreadable history stays out of the page; verify-audit reports it.
            }
        }

        openedAs = WhereOpen(stream);
        Log.AuditOpened(logger, path, seq, seq + 1);
    }

    /// <summary>
    /// The head the lock file kept when the last gateway on this file wrote its last record; null if it kept none
    /// (a new file, or one an earlier version wrote). Remove the lock file, with the gateway stopped, to start a new chain.
    /// </summary>
    private AuditAnchor? ReadLockedHead() => ParseKeptHead(headRecord.AsSpan(0, RandomAccess.Read(writerLockHandle, headRecord, 0)));

    /// <summary>
    /// The head a gateway kept beside <paramref name="path"/>, for verify-audit: the chain cannot show records cut from
    /// its end, but a file that ends before the head its writer kept has lost them. <c>Held</c> when a running gateway
    /// holds the lock file: .NET's advisory lock keeps every other open of it out, readers too.
    /// </summary>
    public static (AuditAnchor? Head, bool Held) ReadKeptHead(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path + ".lock", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> record = stackalloc byte[HeadRecordLength];
            return (ParseKeptHead(record[..RandomAccess.Read(handle, record, 0)]), false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return (null, false);
        }
        catch (IOException)
        {
            return (null, true);
        }
    }

    private static AuditAnchor? ParseKeptHead(ReadOnlySpan<byte> record)
    {
        var text = Encoding.ASCII.GetString(record);
        return record.Length == HeadRecordLength
            && text[^1] == '\n'
            && long.TryParse(text.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var keptSeq)
            && !text.AsSpan(21, 64).ContainsAnyExcept(HexDigits)
            && keptSeq > 0
                ? new AuditAnchor(keptSeq, text.Substring(21, 64))
                : null;
    }

    /// <summary>
    /// Keeps the chain's head in the lock file after every batch (one small write, no fsync): a gateway restarted after
    /// its file was rotated away finds the file empty and goes on from here, as it does without a restart.
    /// </summary>
    private void KeepHead()
    {
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{seq:D20} {head}\n"), headRecord);
        RandomAccess.Write(writerLockHandle, headRecord, 0);
    }

    private void ReadHead(string line)
    {
        try
        {
            (seq, head) = ParseHead(line);
        }
        catch (Exception ex) when (IsDamaged(ex))
        {
            throw new AuditLogDamagedException(
                $"{path}: the last audit record has no readable seq and hash, so the chain cannot continue; run verify-audit.", ex);
        }
    }

    /// <summary>
    /// Writes what is waiting, batch by batch, until <paramref name="mine"/> (null for the background writer) is
    /// written; what queued meanwhile is handed to a background writer instead of holding up this caller's answer.
    /// </summary>
    private void Drain(PendingAppend? mine)
    {
        while (true)
        {
            List<PendingAppend> batch;
            lock (gate)
            {
                if (waiting.Count == 0)
                {
                    writing = false;
                    idle?.TrySetResult();
                    return;
                }

                if (mine is { } own && own.Done.Task.IsCompleted)
                {
                    _ = Task.Run(() => Drain(null));
                    return;
                }

                batch = waiting;
                waiting = [];
            }

            if (broken is not null)
            {
                status.Failed(broken);
                batch.ForEach(p => p.Done.TrySetException(broken));
                continue;
            }

            WriteBatch(batch);
        }
    }

    private void WriteBatch(List<PendingAppend> batch)
    {
        try
        {
            FollowRotation();
        }
        catch (Exception ex)
        {
            Log.WriteFailed(logger, ex, path, batch.Count);
            status.Failed(ex);
            batch.ForEach(p => p.Done.TrySetException(ex));
            return;
        }

        var (startSeq, startHead, startLength) = (seq, head, stream.Position);
        buffer.ResetWrittenCount();
        try
        {
            foreach (var pending in batch)
            {
                head = lines.Seal(pending.Entry, ++seq, head, buffer);
                buffer.Write("\n"u8);
            }

            stream.Write(buffer.WrittenSpan);
            if (waitForDisk && batch.Exists(p => p.Record.LetsCallGo))
            {
                stream.Flush(flushToDisk: true);
                unflushed = 0;
            }
            else
            {
                unflushed += batch.Count;
            }
        }
        catch (Exception ex)
        {
            Log.WriteFailed(logger, ex, path, batch.Count);
            (seq, head) = (startSeq, startHead);
            Rollback(startLength);
            status.Failed(ex);
            batch.ForEach(p => p.Done.TrySetException(ex));
            return;
        }

        try
        {
            KeepHead();
        }
        catch (IOException ex)
        {
            // The records are written; only a restart after a rotation would lose the link to them.
            Log.HeadNotKept(logger, ex, path);
        }

        // A flush that failed while following a rotation refuses every later batch, though this one got through.
        if (broken is null)
        {
            status.Written();
        }

        foreach (var pending in batch)
        {
            ring.Add(AuditChain.Sealed(pending.Record, pending.Entry));
            pending.Done.TrySetResult();
        }

        if (unflushed > 0)
        {
            ScheduleFlush();
        }
    }

    /// <summary>
    /// Log rotation moves the file away, or copies and truncates it, while the gateway writes. Before each batch the
    /// file at the path is checked against the one being written (by length, since only this writer changes it); when
    /// they differ, the path is opened afresh and the chain carried on there: searches and verify-audit on the path see
    /// every new record, and its first record links to the last of the file rotated away.
    /// </summary>
    /// <exception cref="IOException">The path now holds records that do not end where this chain does.</exception>
    private void FollowRotation()
    {
        var onPath = new FileInfo(path);
        if (onPath.Exists && onPath.Length == stream.Position)
        {
            // A file of the same length put in its place shows only in /proc, whose read costs more than the rest of a
            // batch: it is read at most once a second, and records written meanwhile stay chained in the old file.
            var now = time.GetTimestamp();
            if (now < nextWhereOpenCheck)
            {
                return;
            }

            nextWhereOpenCheck = now + time.TimestampFrequency;
            if (WhereOpen(stream) == openedAs)
            {
                return;
            }
        }

        if (onPath.Exists && onPath.Length < stream.Position && WhereOpen(stream) is { } where && where == openedAs)
        {
            // The same file cut short: records written between the copy and the cut are in neither file.
            Log.AuditFileTruncated(logger, path, stream.Position - onPath.Length);
        }

        var next = OpenOrCreate(path, FileShare.Read);
        try
        {
            var end = AuditLineReader.EndOfCompleteLines(next);
            if (end > 0 && ReadBackHead(next, end) is var (lastSeq, lastHash) && (lastSeq != seq || lastHash != head))
            {
                throw new IOException(
                    $"{path} was replaced by a file whose records do not continue this gateway's audit chain (its last is seq {lastSeq?.ToString() ?? "unreadable"}, " +
                    $"this gateway's seq {seq}); records are refused rather than start a second chain in it. Move that file away, " +
                    "or restart the gateway to carry on that file's chain.");
            }

            next.SetLength(end);
            next.Position = end;
        }
        catch
        {
            next.Dispose();
            throw;
        }

        // What the rotated file was last given reaches its disk before it is let go.
        if (unflushed > 0)
        {
            FlushAfterAnswers();
        }

        stream.Dispose();
        stream = next;
        openedAs = WhereOpen(stream);
        Log.AuditFileRotated(logger, path, seq + 1);
    }

    /// <summary>
    /// On Linux, the path the open file has now: a file of the same length put in its place is told apart only by this.
    /// Null elsewhere, and where /proc cannot be read, which leaves the length alone to notice a rotation.
    /// </summary>
    private static string? WhereOpen(FileStream file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return File.ResolveLinkTarget($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (long? Seq, string? Hash) ReadBackHead(FileStream file, long end)
    {
        try
        {
            return ParseHead(AuditLineReader.ReadBackward(file, end).First());
        }
        catch (Exception ex) when (IsDamaged(ex))
        {
            return (null, null);
        }
    }

    /// <summary>The seq and hash of a record line; a damaged line throws what <see cref="IsDamaged"/> recognises.</summary>
    private static (long Seq, string Hash) ParseHead(string line)
    {
        var entry = AuditChain.Parse(line);
        return (entry[AuditChain.SeqProperty]!.GetValue<long>(), entry[AuditChain.HashProperty]!.GetValue<string>());
    }

    private static bool IsDamaged(Exception ex) =>
        ex is JsonException or InvalidOperationException or FormatException or NullReferenceException or ArgumentException;

    private void ScheduleFlush()
    {
        lock (gate)
        {
            if (flushScheduled)
            {
                return;
            }

            flushScheduled = true;
        }

        _ = FlushLaterAsync();
    }

    /// <summary>Takes the writer's place after <see cref="FlushDelay"/> and fsyncs what no later batch did.</summary>
    private async Task FlushLaterAsync()
    {
        while (true)
        {
            await Task.Delay(FlushDelay).ConfigureAwait(false);
            lock (gate)
            {
                if (closed && !writing)
                {
                    // DisposeAsync flushes what is left.
                    return;
                }

                if (!writing)
                {
                    writing = true;
                    flushScheduled = false;
                    break;
                }
            }
        }

        if (unflushed > 0)
        {
            FlushAfterAnswers();
        }

        Drain(null);
    }

    private void FlushAfterAnswers()
    {
        try
        {
            stream.Flush(flushToDisk: true);
            unflushed = 0;
        }
        catch (Exception ex)
        {
            // The answers are out, so the records cannot be refused; what can be done is to stop answering more
            // calls on the strength of a file the disk no longer takes.
            broken = new IOException($"The audit log {path} could not be flushed to disk.", ex);
            status.Failed(broken);
            Log.FlushFailed(logger, ex, path, unflushed);
        }
    }

    private void Rollback(long length)
    {
        try
        {
            stream.SetLength(length);
            stream.Position = length;
        }
        catch (Exception ex)
        {
            broken = new IOException($"The audit log {path} could not be rolled back after a failed write.", ex);
            Log.RollbackFailed(logger, ex, path);
        }
    }

    private readonly record struct PendingAppend(JsonObject Entry, AuditRecord Record, TaskCompletionSource Done);
}
