using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Audit;

/// <summary>
/// The embedded audit sink: one append-only, hash-chained JSON Lines file. A single writer loop drains every append
/// waiting at that moment, writes them with one write and one fsync (group commit), then releases all their callers,
/// so durability costs one fsync per batch rather than per call. With <paramref name="waitForDisk"/> off, callers
/// are released between the write and the fsync.
/// </summary>
internal sealed class FileAuditLog : IAuditLog, IAuditQuery, IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly string path;
    private readonly FileStream stream;
    private readonly AuditRing ring;
    private readonly ILogger logger;
    private readonly Channel<PendingAppend> queue =
        Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writer;
    private long seq;
    private string head = AuditChain.Genesis;
    private Exception? broken;

    private readonly bool waitForDisk;

    public FileAuditLog(string path, int recentCapacity, ILogger<FileAuditLog> logger, bool waitForDisk = true)
    {
        this.waitForDisk = waitForDisk;
        this.path = Path.GetFullPath(path);
        this.logger = logger;
        ring = new AuditRing(recentCapacity);
        Directory.CreateDirectory(Path.GetDirectoryName(this.path)!);
        stream = new FileStream(this.path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            Open(recentCapacity);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        writer = Task.Run(WriteLoopAsync);
    }

    public string FilePath => path;

    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var (stored, entry) = AuditChain.ToEntry(record);
        var pending = new PendingAppend(entry, stored, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(FileAuditLog), "The audit log is closed.");
        }

        // Cancelling stops the wait, not the write: a call that happened is recorded either way.
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    public IReadOnlyList<AuditRecord> Recent(int limit) => ring.Newest(limit);

    public ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken) =>
        new(Task.Run(() => Query(query, cancellationToken), cancellationToken));

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writer;
        await stream.DisposeAsync();
    }

    private IReadOnlyList<AuditRecord> Query(AuditQuery query, CancellationToken cancellationToken)
    {
        var newest = new Queue<AuditRecord>();
        foreach (var line in AuditLineReader.Read(path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            AuditRecord record;
            try
            {
                record = AuditChain.ToRecord(AuditChain.Parse(line.Text));
            }
            catch (JsonException)
            {
                // A damaged line is verify-audit's business; the search shows what can still be read.
                continue;
            }

            if (query.Matches(record))
            {
                newest.Enqueue(record);
                if (newest.Count > query.Limit)
                {
                    newest.Dequeue();
                }
            }
        }

        return [.. newest.Reverse()];
    }

    private void Open(int recentCapacity)
    {
        var tail = new Queue<AuditLine>();
        AuditLine? last = null;
        foreach (var line in AuditLineReader.Read(stream))
        {
            last = line;
            tail.Enqueue(line);
            if (tail.Count > recentCapacity)
            {
                tail.Dequeue();
            }
        }

        var end = last?.End ?? 0;
        if (stream.Length > end)
        {
            Log.PartialLineTruncated(logger, path, stream.Length - end, end);
            stream.SetLength(end);
            stream.Flush(flushToDisk: true);
        }

        stream.Position = end;
        if (last is { } lastLine)
        {
            ReadHead(lastLine);
        }

        foreach (var line in tail)
        {
            try
            {
                ring.Add(AuditChain.ToRecord(AuditChain.Parse(line.Text)));
            }
            catch (JsonException)
            {
                // Unreadable history stays out of the page; verify-audit reports it.
            }
        }

        Log.AuditOpened(logger, path, last?.Number ?? 0, seq + 1);
    }

    private void ReadHead(AuditLine line)
    {
        try
        {
            var entry = AuditChain.Parse(line.Text);
            seq = entry[AuditChain.SeqProperty]!.GetValue<long>();
            head = entry[AuditChain.HashProperty]!.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException(
                $"{path}:{line.Number}: the last audit record has no readable seq and hash, so the chain cannot continue; run verify-audit.", ex);
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(MaxBatch);
        var buffer = new ArrayBufferWriter<byte>();
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (broken is not null)
            {
                batch.ForEach(p => p.Done.TrySetException(broken));
                continue;
            }

            WriteBatch(batch, buffer);
        }
    }

    private void WriteBatch(List<PendingAppend> batch, ArrayBufferWriter<byte> buffer)
    {
        var (startSeq, startHead, startLength) = (seq, head, stream.Position);
        buffer.ResetWrittenCount();
        try
        {
            foreach (var pending in batch)
            {
                var (line, hash) = AuditChain.Seal(pending.Entry, ++seq, head);
                head = hash;
                Encoding.UTF8.GetBytes(line + "\n", buffer);
            }

            stream.Write(buffer.WrittenSpan);
            if (waitForDisk)
            {
                stream.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex)
        {
            Log.WriteFailed(logger, ex, path, batch.Count);
            (seq, head) = (startSeq, startHead);
            Rollback(startLength);
            batch.ForEach(p => p.Done.TrySetException(ex));
            return;
        }

        foreach (var pending in batch)
        {
            ring.Add(pending.Record);
            pending.Done.TrySetResult();
        }

        if (!waitForDisk)
        {
            FlushAfterAnswers(batch.Count);
        }
    }

    private void FlushAfterAnswers(int count)
    {
        try
        {
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex)
        {
            // The answers are out, so the batch cannot be refused; what can be done is to stop answering more
            // calls on the strength of a file the disk no longer takes.
            broken = new IOException($"The audit log {path} could not be flushed to disk.", ex);
            Log.FlushFailed(logger, ex, path, count);
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
