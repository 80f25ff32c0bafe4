using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Cli;
using ApprovalGateway.Hosting;
using Microsoft.Extensions.Time.Testing;
using static ApprovalGateway.Tests.Audit.AuditSamples;

namespace ApprovalGateway.Tests.Audit;

public sealed class FileAuditLogTests : IDisposable
{
    private readonly TempDirectory dir = new();

    private string AuditPath => dir.File("audit/audit.jsonl");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task AppendAsync_WritesVerifiableChain_WhenReopened()
    {
        await using (var log = Open(AuditPath))
        {
            for (var i = 1; i <= 3; i++)
            {
                await log.AppendAsync(Record(i), CancellationToken.None);
            }
        }

        await using (var reopened = Open(AuditPath))
        {
            await reopened.AppendAsync(Record(4), CancellationToken.None);
            Assert.Equal(["session-4", "session-3", "session-2", "session-1"], reopened.Recent(10).Select(r => r.SessionId));
        }

        var (code, output) = Verify(AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("4 records, chain intact", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(AuditPath);
        Assert.Equal(4, lines.Length);
        var fourth = JsonNode.Parse(lines[3])!.AsObject();
        Assert.Equal(4, fourth["seq"]!.GetValue<long>());
        Assert.Equal(JsonNode.Parse(lines[2])!["hash"]!.GetValue<string>(), fourth["prev"]!.GetValue<string>());
    }

    [Fact]
    public async Task AppendAsync_StoresRecordFieldsInSnakeCase_WithSecretsMasked()
    {
        var record = Record(1) with { Arguments = new JsonObject { ["apiKey"] = "sk-live-123", ["symbol"] = "ETH" } };
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(record, CancellationToken.None);
        }

        var line = File.ReadAllText(AuditPath);
        Assert.DoesNotContain("sk-live-123", line, StringComparison.Ordinal);
        var entry = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("***", entry["arguments"]!["apiKey"]!.GetValue<string>());
        Assert.Equal("place_order", entry["tool"]!.GetValue<string>());
        Assert.Equal("sha-1", entry["arguments_sha256"]!.GetValue<string>());
        Assert.Equal(12.25, entry["upstream_milliseconds"]!.GetValue<double>());
    }

    [Fact]
    public async Task Open_CarriesOnAChainWrittenBeforeRecordsHadPolicyFields_AndWritesThemOnlyOnPolicyRecords()
    {
        // Record(1) as the gateway wrote it before the policy fields existed: it must still seal to this very line.
        const string Written =
            """
            {"agent":"trader","approval_id":null,"arguments":{"quantity":1,"symbol":"BTC-USD"},"arguments_sha256":"sha-1","decided_by":[],"decision":"allowed","hash":"a3e8bb04aa2d24e6b086c8272df8a4171f088a99a0a01ba76a6d194d5bd87304","lets_call_go":false,"outcome":"forwarded","policy_milliseconds":0.5,"prev":"0000000000000000000000000000000000000000000000000000000000000000","reason":null,"risk_class":"trade","rule":"rule-1","seq":1,"session_id":"session-1","time":"2026-11-25T09:01:00\u002B00:00","tool":"place_order","total_milliseconds":13,"upstream":"exchange","upstream_milliseconds":12.25,"wait_milliseconds":0}
            """;
        Assert.Equal(Written, Chain(1).Single().Line);
        Directory.CreateDirectory(Path.GetDirectoryName(AuditPath)!);
        await File.WriteAllTextAsync(AuditPath, Written + "\n");
        var sha256 = new string('e', 64);
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(
                Record(2, tool: "", decision: "policy_loaded", outcome: "policy_loaded") with { PolicyPath = "/srv/policy.json", PolicySha256 = sha256, PolicyInForceSha256 = sha256 },
                CancellationToken.None);
            await log.AppendAsync(Record(3), CancellationToken.None);
            Assert.Equal([null, sha256, null], log.Recent(3).Select(r => r.PolicySha256).Reverse());
        }

        var (code, output) = Verify(AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("3 records, chain intact", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(AuditPath);
        Assert.Equal(Written, lines[0]);
        var policy = JsonNode.Parse(lines[1])!;
        Assert.Equal(
            ("/srv/policy.json", sha256, sha256),
            (policy["policy_path"]!.GetValue<string>(), policy["policy_sha256"]!.GetValue<string>(), policy["policy_in_force_sha256"]!.GetValue<string>()));
        Assert.All(["\"policy_path\"", "\"policy_sha256\"", "\"policy_in_force_sha256\""], key => Assert.DoesNotContain(key, lines[2], StringComparison.Ordinal));
    }

    [Fact]
    public async Task AppendAsync_CutsHugeArguments_SoALoopOfThemCannotFillTheDiskOrTheMemory()
    {
        var huge = new string('B', 3_900_000);
        var cut = Record(1) with { Arguments = new JsonObject { ["symbol"] = "BTC" + huge, ["side"] = "SELL" } };
        var wide = Record(2) with { Arguments = new JsonObject(Enumerable.Range(0, 200).Select(i => KeyValuePair.Create<string, JsonNode?>($"k{i}", new string('x', 2000)))) };
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(cut, CancellationToken.None);
            await log.AppendAsync(wide, CancellationToken.None);

            // Before, both whole: a 3.9 MB line each, kept in memory by the recent-records ring too.
            Assert.All(log.Recent(2), r => Assert.True(r.Arguments!.ToJsonString().Length < 2 * AuditArguments.MaxBytes));
        }

        var lines = File.ReadAllLines(AuditPath);
        Assert.All(lines, l => Assert.True(l.Length < 2 * AuditArguments.MaxBytes, $"a line of {l.Length} characters"));
        var first = JsonNode.Parse(lines[0])!["arguments"]!;
        Assert.Equal("SELL", first["side"]!.GetValue<string>());
        Assert.Equal($"BTC{huge[..(AuditArguments.KeptStringLength - 3)]}… [{huge.Length + 3 - AuditArguments.KeptStringLength} more characters not kept]", first["symbol"]!.GetValue<string>());
        Assert.StartsWith("about ", JsonNode.Parse(lines[1])!["arguments"]!["not_kept"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["sha-1", "sha-2"], lines.Select(l => JsonNode.Parse(l)!["arguments_sha256"]!.GetValue<string>()));
        Assert.Equal(0, Verify(AuditPath).Code);
    }

    [Fact]
    public async Task VerifyAudit_NamesEditedLine_WhenARecordWasChanged()
    {
        await WriteRecordsAsync(5);
        var lines = File.ReadAllLines(AuditPath);
        lines[2] = lines[2].Replace("\"outcome\":\"forwarded\"", "\"outcome\":\"denied\"", StringComparison.Ordinal);
        File.WriteAllLines(AuditPath, lines);

        var (code, output) = Verify(AuditPath);

        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:3: the record's content does not match its hash", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_NamesLineAfterGap_WhenARecordWasDeleted()
    {
        await WriteRecordsAsync(5);
        var lines = File.ReadAllLines(AuditPath).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(AuditPath, lines);

        var (code, output) = Verify(AuditPath);

        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:2: seq is 3 where 2 was expected", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_NamesFirstMovedLine_WhenRecordsWereReordered()
    {
        await WriteRecordsAsync(5);
        var lines = File.ReadAllLines(AuditPath);
        (lines[3], lines[4]) = (lines[4], lines[3]);
        File.WriteAllLines(AuditPath, lines);

        var (code, output) = Verify(AuditPath);

        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:4: seq is 5 where 4 was expected", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_NamesLine_WhenARecordWasReplacedWithARehashedForgery()
    {
        await WriteRecordsAsync(3);
        var lines = File.ReadAllLines(AuditPath);
        var forged = JsonNode.Parse(lines[1])!.AsObject();
        forged["outcome"] = "denied";
        forged["prev"] = new string('f', 64);
        lines[1] = AuditChain.Seal(forged, 2, new string('f', 64)).Line;
        File.WriteAllLines(AuditPath, lines);

        var (code, output) = Verify(AuditPath);

        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:2: prev does not match", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_NamesTheFilesLine_WithoutTheJsonReadersOwnLineZero_WhenALineIsNoJson()
    {
        await WriteRecordsAsync(2);
        File.AppendAllText(AuditPath, "garbage\n");

        var (code, output) = Verify(AuditPath);

        // Before: "audit.jsonl:3: not a valid JSON record ('g' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.)".
        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:3: not a valid JSON record ('g' is an invalid start of a value.)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_NamesTheLine_WhenATamperedRecordHasAKeyTwice()
    {
        await WriteRecordsAsync(3);
        var lines = File.ReadAllLines(AuditPath);
        lines[1] = lines[1][..^1] + ",\"outcome\":\"denied\"}";
        File.WriteAllLines(AuditPath, lines);

        var (code, output) = Verify(AuditPath);

        // Before, an unhandled ArgumentException (exit code 134) that named no line.
        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:2: not a valid JSON record (", output, StringComparison.Ordinal);
        Assert.Contains("the first 1 records are intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_RefusesToContinueTheChain_WithItsMessage_WhenTheLastRecordHasAKeyTwice()
    {
        await WriteRecordsAsync(2);
        var lines = File.ReadAllLines(AuditPath);
        lines[^1] = lines[^1][..^1] + ",\"seq\":7}";
        File.WriteAllLines(AuditPath, lines);

        var error = Assert.ThrowsAny<Exception>(() => Open(AuditPath));

        Assert.Equal($"{AuditPath}: the last audit record has no readable seq and hash, so the chain cannot continue; run verify-audit.", error.Message);
    }

    [Fact]
    public async Task Open_LeavesOutOfRecentAnEarlierRecordWithAKeyTwice_AndTheChainContinues()
    {
        await WriteRecordsAsync(3);
        var lines = File.ReadAllLines(AuditPath);
        lines[1] = lines[1][..^1] + ",\"outcome\":\"denied\"}";
        File.WriteAllLines(AuditPath, lines);

        await using var log = Open(AuditPath);
        await log.AppendAsync(Record(4), CancellationToken.None);

        Assert.Equal(["session-4", "session-3", "session-1"], log.Recent(10).Select(r => r.SessionId));
        Assert.Equal(4, JsonNode.Parse(File.ReadAllLines(AuditPath)[^1])!["seq"]!.GetValue<long>());
    }

    [Fact]
    public async Task Open_TruncatesPartialLastLine_AndChainContinues()
    {
        await WriteRecordsAsync(2);
        var intactLength = new FileInfo(AuditPath).Length;
        await File.AppendAllTextAsync(AuditPath, "{\"agent\":\"trader\",\"tool\":\"pla", Encoding.UTF8);

        var (partialCode, partialOutput) = Verify(AuditPath);
        Assert.Equal(0, partialCode);
        Assert.Contains($"{AuditPath}:3: partial last line ignored", partialOutput, StringComparison.Ordinal);

        await using (var log = Open(AuditPath))
        {
            Assert.Equal(intactLength, new FileInfo(AuditPath).Length);
            await log.AppendAsync(Record(3), CancellationToken.None);
            Assert.Equal(["session-3", "session-2", "session-1"], log.Recent(10).Select(r => r.SessionId));
        }

        var (code, output) = Verify(AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("3 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_KeepsEveryRecordInOneValidChain_When200AppendConcurrently()
    {
        await using (var log = Open(AuditPath))
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var appends = Enumerable.Range(1, 200)
                .Select(i => Task.Run(async () =>
                {
                    await start.Task;
                    await log.AppendAsync(Record(i), CancellationToken.None);
                }))
                .ToArray();
            start.SetResult();
            await Task.WhenAll(appends);
            Assert.Equal(200, log.Recent(500).Count);
        }

        var (code, output) = Verify(AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("200 records, chain intact", output, StringComparison.Ordinal);
        var sessions = File.ReadAllLines(AuditPath).Select(l => JsonNode.Parse(l)!["session_id"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"session-{i}").Order(), sessions.Order());
    }

    [Fact]
    public async Task Recent_ReturnsNewestFirstWithinCapacity_IncludingRecordsFromFileTail()
    {
        await WriteRecordsAsync(5);

        await using var log = Open(AuditPath, recentCapacity: 3);

        Assert.Equal(["session-5", "session-4", "session-3"], log.Recent(10).Select(r => r.SessionId));
        Assert.Equal(["session-5", "session-4"], log.Recent(2).Select(r => r.SessionId));
    }

    [Fact]
    public async Task QueryAsync_FiltersByFieldsAndTimeWindow_NewestFirst()
    {
        await using var log = Open(AuditPath);
        await log.AppendAsync(Record(1, agent: "a", tool: "x"), CancellationToken.None);
        await log.AppendAsync(Record(2, agent: "b", tool: "x", decision: "denied", outcome: "denied"), CancellationToken.None);
        await log.AppendAsync(Record(3, agent: "a", tool: "y"), CancellationToken.None);
        await log.AppendAsync(Record(4, agent: "a", tool: "x"), CancellationToken.None);

        var byAgentTool = await log.QueryAsync(new AuditQuery(Agent: "a", Tool: "x"), CancellationToken.None);
        var denied = await log.QueryAsync(new AuditQuery(Decision: "denied", Outcome: "denied"), CancellationToken.None);
        var window = await log.QueryAsync(new AuditQuery(Since: Start.AddMinutes(2), Until: Start.AddMinutes(4)), CancellationToken.None);
        var limited = await log.QueryAsync(new AuditQuery(Limit: 1), CancellationToken.None);

        Assert.Equal(["session-4", "session-1"], byAgentTool.Select(r => r.SessionId));
        Assert.Equal(["session-2"], denied.Select(r => r.SessionId));
        Assert.Equal(["session-3", "session-2"], window.Select(r => r.SessionId));
        Assert.Equal(["session-4"], limited.Select(r => r.SessionId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AppendAsync_HasTheLineInTheFileWhenItReturns_WhetherOrNotTheRecordWaitsForTheDisk(bool waitForDisk)
    {
        await using var log = Open(AuditPath, waitForDisk: waitForDisk);

        // A forwarding record waits for the fsync (with waitForDisk); the outcomes after it are released once written.
        for (var i = 1; i <= 4; i++)
        {
            await log.AppendAsync(Record(i, outcome: i % 2 == 1 ? "forwarding" : "forwarded"), CancellationToken.None);

            // Another reader (verify-audit, a crash-restarted gateway) sees every answered record at once.
            using var reader = new FileStream(AuditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            var lines = (await text.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(i, lines.Length);
            Assert.Equal($"session-{i}", JsonNode.Parse(lines[^1])!["session_id"]!.GetValue<string>());
        }

        var (code, output) = Verify(AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("4 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_CarriesTheChainIntoANewFile_WhenTheFileIsRotatedAway()
    {
        var rotated = dir.File("audit/audit.jsonl.1");
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(Record(1), CancellationToken.None);
            await log.AppendAsync(Record(2), CancellationToken.None);
            File.Move(AuditPath, rotated);

            await log.AppendAsync(Record(3), CancellationToken.None);

            // Before, record 3 went on into the rotated file, out of sight of verify-audit on the path.
            var found = await log.QueryAsync(new AuditQuery { Limit = 10 }, CancellationToken.None);
            Assert.Equal(["session-3", "session-2", "session-1"], found.Select(r => r.SessionId));
        }

        Assert.Equal(2, File.ReadAllLines(rotated).Length);
        Assert.Equal("session-3", JsonNode.Parse(Assert.Single(File.ReadAllLines(AuditPath)))!["session_id"]!.GetValue<string>());
        var (alone, aloneOutput) = Verify(AuditPath);
        Assert.Equal(1, alone);
        Assert.Contains($"{AuditPath}:1: seq is 3 where 1 was expected: the file starts mid-chain", aloneOutput, StringComparison.Ordinal);
        var (together, output) = Verify(rotated, AuditPath);
        Assert.Equal(0, together);
        Assert.Contains("3 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_CarriesTheChainOnFromTheTop_WhenTheFileIsCopiedAndTruncated()
    {
        var copy = dir.File("audit/audit.jsonl.1");
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(Record(1), CancellationToken.None);
            await log.AppendAsync(Record(2), CancellationToken.None);

            // logrotate's copytruncate, which takes no notice of the writer's lock.
            File.Copy(AuditPath, copy);
            using (var truncate = Process.Start("truncate", ["-s", "0", AuditPath]))
            {
                await truncate.WaitForExitAsync();
            }

            await log.AppendAsync(Record(3), CancellationToken.None);
        }

        // Before, record 3 was written at its old offset, after a run of zero bytes.
        var line = Assert.Single(File.ReadAllLines(AuditPath));
        Assert.Equal("session-3", JsonNode.Parse(line)!["session_id"]!.GetValue<string>());
        var (code, output) = Verify(copy, AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("3 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_RefusesRecords_WhileTheFileIsReplacedByAnotherChain_AndCarriesOnOnceItIsMovedAway()
    {
        var other = dir.File("other/audit.jsonl");
        await using (var otherLog = Open(other))
        {
            await otherLog.AppendAsync(Record(7), CancellationToken.None);
        }

        var time = new FakeTimeProvider();
        await using (var log = Open(AuditPath, time: time))
        {
            await log.AppendAsync(Record(1), CancellationToken.None);
            File.Move(AuditPath, dir.File("audit/audit.jsonl.1"));
            File.Copy(other, AuditPath);

            // The other file has the same length: only the open file's own path, read at most once a second, tells them apart.
            time.Advance(TimeSpan.FromSeconds(1));

            var refused = await Assert.ThrowsAsync<IOException>(() => log.AppendAsync(Record(2), CancellationToken.None).AsTask());
            Assert.Contains("do not continue this gateway's audit chain", refused.Message, StringComparison.Ordinal);
            Assert.Equal(File.ReadAllText(other), File.ReadAllText(AuditPath));

            File.Move(AuditPath, dir.File("audit/audit.jsonl.other"));
            await log.AppendAsync(Record(3), CancellationToken.None);
        }

        var (code, output) = Verify(dir.File("audit/audit.jsonl.1"), AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("2 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problem_NamesTheRefusal_FromTheFailedWriteUntilTheNextWrittenOne()
    {
        var other = dir.File("other/audit.jsonl");
        await using (var otherLog = Open(other))
        {
            await otherLog.AppendAsync(Record(7), CancellationToken.None);
        }

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 3, 4, 5, TimeSpan.Zero));
        await using var log = Open(AuditPath, time: time);
        await log.AppendAsync(Record(1), CancellationToken.None);
        var before = log.Problem;
        File.Move(AuditPath, dir.File("audit/audit.jsonl.0"));
        File.Copy(other, AuditPath);
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<IOException>(() => log.AppendAsync(Record(2), CancellationToken.None).AsTask());
        time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<IOException>(() => log.AppendAsync(Record(3), CancellationToken.None).AsTask());
        var whileRefused = log.Problem;
        File.Move(AuditPath, dir.File("audit/audit.jsonl.other"));
        await log.AppendAsync(Record(4), CancellationToken.None);

        // Before, the sink said nothing of it, and /healthz answered ok while every call was refused.
        Assert.Null(before);
        Assert.StartsWith("Audit log not writable since 2026-11-27 03:04:06Z: ", whileRefused, StringComparison.Ordinal);
        Assert.Contains("do not continue this gateway's audit chain", whileRefused, StringComparison.Ordinal);
        Assert.Null(log.Problem);
    }

    [Fact]
    public async Task Open_CarriesTheChainOn_WhenTheFileWasRotatedAwayWhileTheGatewayWasStopped()
    {
        var rotated = dir.File("audit/audit.jsonl.1");
        await WriteRecordsAsync(2);

        // logrotate's move-and-create, then a restart of the gateway.
        File.Move(AuditPath, rotated);
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(Record(3), CancellationToken.None);
        }

        // Before, the restarted gateway began a new chain at seq 1, and the rotated file's link to it was lost.
        Assert.Equal(3, JsonNode.Parse(Assert.Single(File.ReadAllLines(AuditPath)))!["seq"]!.GetValue<long>());
        var (code, output) = Verify(rotated, AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("3 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_StartsANewChain_WhenTheLockFileWasRemovedWithTheFile()
    {
        await WriteRecordsAsync(2);
        File.Move(AuditPath, dir.File("audit/archived.jsonl"));
        File.Delete(AuditPath + ".lock");

        await WriteRecordsAsync(1);

        var (code, output) = Verify(AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("1 records, chain intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAsync_ReadsTheRotatedFile_WhenTheFileWasRotatedAwayAndNoRecordWrittenSince()
    {
        await using var log = Open(AuditPath);
        await log.AppendAsync(Record(1), CancellationToken.None);
        File.Move(AuditPath, dir.File("audit/audit.jsonl.1"));

        // Before, FileNotFoundException: the page's search and the CSV export answered 500.
        Assert.Equal(["session-1"], (await log.QueryAsync(new AuditQuery { Limit = 10 }, CancellationToken.None)).Select(r => r.SessionId));
    }

    [Fact]
    public async Task QueryAsync_SearchesTheRotatedFilesLeftAsText_NewestFirst_AndSkipsCompressedAndOtherFiles()
    {
        await using var log = Open(AuditPath);
        foreach (var (n, rotateTo) in new[] { (1, "audit.jsonl-20261125"), (2, "audit.jsonl.2"), (3, "audit.jsonl.1"), (4, null) })
        {
            await log.AppendAsync(Record(n), CancellationToken.None);
            if (rotateTo is not null)
            {
                File.Move(AuditPath, dir.File($"audit/{rotateTo}"));
                File.SetLastWriteTimeUtc(dir.File($"audit/{rotateTo}"), DateTime.UtcNow.AddHours(n - 10));
            }
        }

        File.WriteAllBytes(dir.File("audit/audit.jsonl.3.gz"), [0x1f, 0x8b, 0x08, 0x00]);
        File.Copy(dir.File("audit/audit.jsonl.2"), dir.File("audit/audit.jsonl.2.bak"));

        // Before, only the current file: after a nightly rotation the search for yesterday's calls found nothing.
        var all = await log.QueryAsync(new AuditQuery { Limit = 10 }, CancellationToken.None);
        var newestTwo = await log.QueryAsync(new AuditQuery { Limit = 2 }, CancellationToken.None);
        var since = await log.QueryAsync(new AuditQuery { Limit = 10, Since = Start.AddMinutes(4) }, CancellationToken.None);

        Assert.Equal(["session-4", "session-3", "session-2", "session-1"], all.Select(r => r.SessionId));
        Assert.Equal(["session-4", "session-3"], newestTwo.Select(r => r.SessionId));
        Assert.Equal(["session-4"], since.Select(r => r.SessionId));
    }

    [Fact]
    public async Task VerifyAudit_SaysAFileIsMissingOrOutOfOrder_WhenTheNextFileDoesNotGoOnFromTheOneBefore()
    {
        var first = dir.File("audit/audit.jsonl.2");
        var second = dir.File("audit/audit.jsonl.1");
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(Record(1), CancellationToken.None);
            File.Move(AuditPath, first);
            await log.AppendAsync(Record(2), CancellationToken.None);
            File.Move(AuditPath, second);
            await log.AppendAsync(Record(3), CancellationToken.None);
        }

        var (code, output) = Verify(first, AuditPath);

        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}:1: seq is 3 where 2 was expected", output, StringComparison.Ordinal);
        Assert.Contains("a file between them is missing, or the files are out of order", output, StringComparison.Ordinal);
        Assert.Equal(0, Verify(first, second, AuditPath).Code);
    }

    [Fact]
    public async Task VerifyAudit_VerifiesTheFilesLeftAfterTheOldestIsDeleted_FromTheHeadItPrintedForIt()
    {
        var oldest = dir.File("audit/audit.jsonl.2");
        var rotated = dir.File("audit/audit.jsonl.1");
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(Record(1), CancellationToken.None);
            await log.AppendAsync(Record(2), CancellationToken.None);
            File.Move(AuditPath, oldest);
            await log.AppendAsync(Record(3), CancellationToken.None);
            File.Move(AuditPath, rotated);
            await log.AppendAsync(Record(4), CancellationToken.None);
        }

        var (_, printed) = Run("verify-audit", oldest);
        var head = printed.Split("head ")[1].Trim();
        Assert.Equal($"2:{JsonNode.Parse(File.ReadAllLines(oldest)[1])!["hash"]!.GetValue<string>()}", head);
        File.Delete(oldest);

        // Before, the files left could not be verified at all: the first starts mid-chain.
        var (code, output) = Run("verify-audit", "--after", head, rotated, AuditPath);
        Assert.Equal(0, code);
        Assert.Contains("2 records after 2, chain intact, head 4:", output, StringComparison.Ordinal);

        var (skipped, skippedOutput) = Run("verify-audit", "--after", head, AuditPath);
        Assert.Equal(1, skipped);
        Assert.Contains($"{AuditPath}:1: seq is 4 where 3 was expected: the file does not go on from {head}", skippedOutput, StringComparison.Ordinal);

        var (forged, forgedOutput) = Run("verify-audit", "--after", $"2:{new string('a', 64)}", rotated, AuditPath);
        Assert.Equal(1, forged);
        Assert.Contains($"{rotated}:1: prev does not match the hash of 2:aaaa", forgedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_SaysToVerifyWithoutAfter_WhenTheFileGivenWithAnAnchorStartsTheChain()
    {
        await WriteRecordsAsync(6);
        var fifth = $"5:{JsonNode.Parse(File.ReadAllLines(AuditPath)[4])!["hash"]!.GetValue<string>()}";

        var (code, output) = Run("verify-audit", "--after", fifth, AuditPath);

        // Before: "…does not go on from 5:… (records between them are missing, or the anchor is of another chain)",
        // though the file is whole and only the anchor was given by mistake.
        Assert.Equal(1, code);
        Assert.Contains(
            $"{AuditPath}:1: seq is 1 where 6 was expected: the file does not go on from {fifth}, it starts the chain (verify it without --after)",
            output,
            StringComparison.Ordinal);
        Assert.Equal(0, Verify(AuditPath).Code);
    }

    [Fact]
    public void VerifyAudit_ExitsWithEX_NOINPUT_WhenAFileIsMissingOrAFolder_NotWithTheCodeOfABrokenChain()
    {
        var (missing, missingOutput) = Verify(dir.File("missing.jsonl"));
        var (folder, folderOutput) = Verify(dir.Path);

        Assert.Equal(66, missing);
        Assert.Contains("no such audit file", missingOutput, StringComparison.Ordinal);
        Assert.Equal(66, folder);
        Assert.Contains($"{dir.Path}: a folder, not an audit file", folderOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_SaysAFileIsCompressed_RatherThanThatItsFirstLineIsNoRecord()
    {
        await WriteRecordsAsync(1);
        var compressed = dir.File("audit/audit.jsonl.1.gz");
        using (var gzip = new System.IO.Compression.GZipStream(File.Create(compressed), System.IO.Compression.CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(await File.ReadAllBytesAsync(AuditPath));
        }

        var (code, output) = Verify(compressed);

        // Before, exit 1 and "not a valid JSON record ('0x1F' is an invalid start of a value)", as if the file were tampered with.
        Assert.Equal(66, code);
        Assert.StartsWith($"{compressed}: a compressed file (logrotate's compress); decompress it first", output, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Open_CreatesTheFileAndItsFolderForTheGatewaysUserAlone_AfterARotationToo()
    {
        await using (var log = Open(AuditPath))
        {
            await log.AppendAsync(Record(1), CancellationToken.None);
            File.Move(AuditPath, dir.File("audit/audit.jsonl.1"));
            await log.AppendAsync(Record(2), CancellationToken.None);
        }

        // Before, -rw-r--r-- in a drwxr-xr-x folder: every local user could read the calls' arguments.
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(dir.File("audit")));
        Assert.Equal(owner, File.GetUnixFileMode(AuditPath));
        Assert.Equal(owner, File.GetUnixFileMode(AuditPath + ".lock"));
    }

    [Fact]
    public async Task VerifyAudit_SaysRecordsWereCutFromTheEnd_WhenTheFileEndsBeforeTheHeadItsGatewayKept()
    {
        await using (var log = Open(AuditPath))
        {
            for (var i = 1; i <= 3; i++)
            {
                await log.AppendAsync(Record(i), CancellationToken.None);
            }

            var (running, runningOutput) = Verify(AuditPath);
            Assert.Equal(0, running);
            Assert.Contains($"(a running gateway holds {AuditPath}.lock, so its end was not checked", runningOutput, StringComparison.Ordinal);
        }

        File.WriteAllLines(AuditPath, File.ReadAllLines(AuditPath)[..2]);

        var (code, output) = Verify(AuditPath);

        // Before, "2 records, chain intact": a chain cannot show records cut from its end.
        Assert.Equal(1, code);
        Assert.Contains($"{AuditPath}: ends at seq 2, but the gateway that writes it wrote up to seq 3 ({AuditPath}.lock)", output, StringComparison.Ordinal);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        using var output = new StringWriter();
        Assert.True(GatewayCommands.TryRun(args, output, out var code));
        return (code, output.ToString());
    }

    private async Task WriteRecordsAsync(int count)
    {
        await using var log = Open(AuditPath);
        for (var i = 1; i <= count; i++)
        {
            await log.AppendAsync(Record(i), CancellationToken.None);
        }
    }

    private static (int Code, string Output) Verify(params string[] paths)
    {
        using var output = new StringWriter();
        var code = VerifyAuditCommand.Run(paths, AuditAnchor.Genesis, output);
        return (code, output.ToString());
    }
}
