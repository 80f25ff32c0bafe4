using System.Security.Cryptography;
using ApprovalGateway.Audit;
using ApprovalGateway.Cli;
using ApprovalGateway.Hosting;
using ApprovalGateway.Tests.Audit;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using Npgsql;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>The audit log in PostgreSQL: one hash chain for every instance, verifiable like the file.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgreSqlAuditTests(ScaleOutServices services)
{
    [ServicesFact]
    public async Task AppendAsync_FormsOneValidChain_WhenTwoInstancesWriteToTheSameDatabase()
    {
        var database = await services.CreateDatabaseAsync();
        await using var a = Open(database);
        await using var b = Open(database);

        for (var n = 1; n <= 6; n++)
        {
            await (n % 2 == 0 ? b : a).AppendAsync(AuditSamples.Record(n), CancellationToken.None);
        }

        var verification = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
        Assert.Equal(6, verification.Records);
        var expected = Enumerable.Range(1, 6).Reverse().Select(n => $"session-{n}").ToList();
        Assert.Equal(expected, a.Recent(10).Select(r => r.SessionId).ToList());
        Assert.Equal(expected, (await b.QueryAsync(new AuditQuery(), CancellationToken.None)).Select(r => r.SessionId).ToList());
    }

    [ServicesFact]
    public async Task AppendAsync_StoresTheSameLineAsTheFileSink_WhenGivenTheSameRecord()
    {
        var database = await services.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "audit.jsonl");
        await using (var file = AuditSamples.Open(path))
        {
            await file.AppendAsync(AuditSamples.Record(1) with { Instance = "gw-a" }, CancellationToken.None);
        }

        await using (var table = Open(database, "gw-a"))
        {
            await table.AppendAsync(AuditSamples.Record(1), CancellationToken.None);
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT line FROM audit_log WHERE seq = 1", connection);
        Assert.Equal((await File.ReadAllLinesAsync(path))[0], (string?)await read.ExecuteScalarAsync());
    }

    [ServicesFact]
    public async Task VerifyAudit_NamesTheTamperedSeq_WhenARowsLineIsEdited()
    {
        var database = await services.CreateDatabaseAsync();
        await using (var log = Open(database))
        {
            for (var n = 1; n <= 5; n++)
            {
                await log.AppendAsync(AuditSamples.Record(n), CancellationToken.None);
            }
        }

        var intact = new StringWriter();
        Assert.True(GatewayCommands.TryRun(["verify-audit", "--postgres", database], intact, out var before));
        Assert.Equal(0, before);
        Assert.Contains("5 records, chain intact", intact.ToString(), StringComparison.Ordinal);

        await ExecuteAsync(database, """UPDATE audit_log SET line = replace(line, '"quantity":3', '"quantity":300') WHERE seq = 3""");
        var output = new StringWriter();
        GatewayCommands.TryRun(["verify-audit", "--postgres", database], output, out var after);

        Assert.Equal(1, after);
        Assert.Contains("seq 3: the record's content does not match its hash", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("the first 2 records are intact", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task VerifyAudit_NamesTheRow_WhenItsSearchColumnsAreEditedAndItsLineIsNot()
    {
        var database = await services.CreateDatabaseAsync();
        await using (var log = Open(database))
        {
            for (var n = 1; n <= 4; n++)
            {
                await log.AppendAsync(AuditSamples.Record(n), CancellationToken.None);
            }
        }

        await ExecuteAsync(database, "UPDATE audit_log SET tool = 'Hidden', agent = 'someone' WHERE seq = 3");
        var output = new StringWriter();
        GatewayCommands.TryRun(["verify-audit", "--postgres", database], output, out var exitCode);

        // Before, "4 records, chain intact": a search by tool no longer found the record, and one by 'Hidden' did.
        Assert.Equal(1, exitCode);
        Assert.Contains("seq 3: the row's agent, tool do not match its line", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("the first 2 records are intact", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task VerifyAudit_NamesTheSeqAfterTheGap_WhenARowIsDeleted()
    {
        var database = await services.CreateDatabaseAsync();
        await using (var log = Open(database))
        {
            for (var n = 1; n <= 4; n++)
            {
                await log.AppendAsync(AuditSamples.Record(n), CancellationToken.None);
            }
        }

        await ExecuteAsync(database, "DELETE FROM audit_log WHERE seq = 2");
        var output = new StringWriter();

        Assert.Equal(1, VerifyAuditCommand.RunPostgreSql(database, AuditAnchor.Genesis, output));
        Assert.Contains("seq 3: seq is 3 where 2 was expected", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task SearchApi_GivesEachRecordTheSeqAndHashOfItsRow()
    {
        var database = await services.CreateDatabaseAsync();
        await AppendAsync(database, 3);
        await using var app = await AuditApiApp.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:Audit:Sink"] = "PostgreSql",
            ["Gateway:Audit:ConnectionString"] = database,
        });

        var records = await AuditApiApp.SearchAsync(app);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT hash FROM audit_log WHERE seq = 2", connection);
        Assert.Equal([3L, 2L, 1L], records.Select(r => r!["seq"]!.GetValue<long>()));
        Assert.Equal((string?)await read.ExecuteScalarAsync(), records[1]!["hash"]!.GetValue<string>());
    }

    [ServicesFact]
    public async Task VerifyAudit_Fails_WhenTheTableIsEmptied()
    {
        var database = await services.CreateDatabaseAsync();
        await AppendAsync(database, 3);

        await ExecuteAsync(database, "DELETE FROM audit_log", rows: 3);
        var output = new StringWriter();

        // Before, "0 records, chain intact": an emptied table looked like a new one.
        Assert.Equal(1, VerifyAuditCommand.RunPostgreSql(database, AuditAnchor.Genesis, output));
        Assert.Contains(
            "PostgreSQL table audit_log: has no records, but the gateway that writes it wrote up to seq 3 (table audit_head)",
            output.ToString(),
            StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task VerifyAudit_Fails_WhenRowsAreDeletedFromTheEnd()
    {
        var database = await services.CreateDatabaseAsync();
        await AppendAsync(database, 4);

        await ExecuteAsync(database, "DELETE FROM audit_log WHERE seq >= 3", rows: 2);
        var output = new StringWriter();

        Assert.Equal(1, VerifyAuditCommand.RunPostgreSql(database, AuditAnchor.Genesis, output));
        Assert.Contains("ends at seq 2, but the gateway that writes it wrote up to seq 4", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task Open_SaysRecordsWereLost_AndGoesOnFromTheKeptHead_WhenTheTableWasEmptied()
    {
        var database = await services.CreateDatabaseAsync();
        await AppendAsync(database, 3);
        await ExecuteAsync(database, "DELETE FROM audit_log", rows: 3);
        var cut = new EventLog(5012);
        using var logging = new LoggerFactory([cut]);

        await using (var log = new PostgreSqlAuditLog(database, "test", logging.CreateLogger<PostgreSqlAuditLog>()))
        {
            const string goesOn = "New records go on from seq 4; verify-audit --postgres shows the gap";
            Assert.Equal(
                "The audit table ends at seq 0, but the gateway wrote up to seq 3: records were deleted from its end or the table emptied. " +
                    goesOn + ".",
                log.Problem);

            // The log says where the chain goes on as /api/health does (before, "from seq 3" there and "from seq 4" here).
            Assert.EndsWith(goesOn, await cut.Message.WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
            Assert.False(((IHealthSignal)log).Degrades);
            await log.AppendAsync(AuditSamples.Record(4), CancellationToken.None);
        }

        // Before, the next record started a new chain at seq 1 and the table verified.
        var verification = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis);
        Assert.False(verification.Holds);
        Assert.StartsWith("seq 4: seq is 4 where 1 was expected", verification.Problem, StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task VerifyAudit_VerifiesTheRowsLeft_FromTheHeadItPrinted_OnceOlderRowsArePruned()
    {
        var database = await services.CreateDatabaseAsync();
        string head;
        await using (var log = Open(database))
        {
            for (var n = 1; n <= 3; n++)
            {
                await log.AppendAsync(AuditSamples.Record(n), CancellationToken.None);
            }

            var before = new StringWriter();
            Assert.True(GatewayCommands.TryRun(["verify-audit", "--postgres", database], before, out _));
            head = before.ToString().Split("head ")[1].Trim();
            await log.AppendAsync(AuditSamples.Record(4), CancellationToken.None);
            await ExecuteAsync(database, "DELETE FROM audit_log WHERE seq <= 3", rows: 3);
            await log.AppendAsync(AuditSamples.Record(5), CancellationToken.None);
        }

        var output = new StringWriter();
        Assert.True(GatewayCommands.TryRun(["verify-audit", "--after", head, "--postgres", database], output, out var exitCode));

        Assert.Equal(0, exitCode);
        Assert.Contains("2 records after 3, chain intact, head 5:", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task VerifyAudit_SaysRowsWerePrunedAndHowToVerifyTheRest_WhenOlderRowsAreDeletedAndNoHeadIsGiven()
    {
        var database = await services.CreateDatabaseAsync();
        await AppendAsync(database, 4);

        await ExecuteAsync(database, "DELETE FROM audit_log WHERE seq <= 2", rows: 2);
        var output = new StringWriter();

        // Before, the table was told about as a file: "the file starts mid-chain, as the gateway's new file does after
        // log rotation (verify it together with the files rotated before it ...)", of which a table has none.
        Assert.Equal(1, VerifyAuditCommand.RunPostgreSql(database, AuditAnchor.Genesis, output));
        Assert.Contains(
            "seq 3: seq is 3 where 1 was expected: the table starts mid-chain, so rows before this one were deleted; " +
                "if they were pruned, verify the rows left with --after SEQ:HASH, the head verify-audit printed before the delete",
            output.ToString(),
            StringComparison.Ordinal);
        Assert.DoesNotContain("file", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task VerifyAudit_SaysTheTableDoesNotGoOnFromTheHeadGiven_WhenRowsAfterItAreMissing()
    {
        var database = await services.CreateDatabaseAsync();
        await AppendAsync(database, 1);
        var head = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis).Head;
        await using (var log = Open(database))
        {
            for (var n = 2; n <= 4; n++)
            {
                await log.AppendAsync(AuditSamples.Record(n), CancellationToken.None);
            }
        }

        // Pruned one row more than the head kept covers.
        await ExecuteAsync(database, "DELETE FROM audit_log WHERE seq <= 2", rows: 2);
        var output = new StringWriter();

        Assert.Equal(1, VerifyAuditCommand.RunPostgreSql(database, head, output));
        Assert.Contains("seq 3: seq is 3 where 2 was expected: the table does not go on from 1:", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("file", output.ToString(), StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task AppendAsync_LosesNothing_WhenTwoWritersAppendConcurrently()
    {
        var database = await services.CreateDatabaseAsync();
        await using var a = Open(database);
        await using var b = Open(database);

        await Task.WhenAll(Enumerable.Range(1, 200).Select(n =>
            (n % 2 == 0 ? a : b).AppendAsync(AuditSamples.Record(n), CancellationToken.None).AsTask()));

        var verification = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
        Assert.Equal(200, verification.Records);
        var stored = await a.QueryAsync(new AuditQuery(Limit: 1000), CancellationToken.None);
        Assert.Equal(
            Enumerable.Range(1, 200).Select(n => $"session-{n}").Order(StringComparer.Ordinal),
            stored.Select(r => r.SessionId).Order(StringComparer.Ordinal));
    }

    [ServicesFact]
    public async Task QueryAsync_ReturnsMatchingRecordsNewestFirst_WhenFiltered()
    {
        var database = await services.CreateDatabaseAsync();
        await using var log = Open(database);
        for (var n = 1; n <= 6; n++)
        {
            await log.AppendAsync(AuditSamples.Record(n, agent: n % 2 == 0 ? "even" : "odd", outcome: n == 4 ? "denied" : "forwarded"), CancellationToken.None);
        }

        var even = await log.QueryAsync(
            new AuditQuery(Agent: "even", Since: AuditSamples.Start.AddMinutes(2), Until: AuditSamples.Start.AddMinutes(6)),
            CancellationToken.None);
        var denied = await log.QueryAsync(new AuditQuery(Outcome: "denied"), CancellationToken.None);
        var newestTwo = await log.QueryAsync(new AuditQuery(Limit: 2), CancellationToken.None);

        Assert.Equal(["session-4", "session-2"], even.Select(r => r.SessionId));
        Assert.Equal(["session-4"], denied.Select(r => r.SessionId));
        Assert.Equal(["session-6", "session-5"], newestTwo.Select(r => r.SessionId));
    }

    [ServicesFact]
    public async Task QueryAsync_OutcomeApproved_FindsHeldCallsThatWentOn_AndAgentIgnoresCase_AsTheFileDoes()
    {
        var database = await services.CreateDatabaseAsync();
        await using var log = Open(database);
        await log.AppendAsync(AuditSamples.Record(1, agent: "Bot1", decision: "approval_required", outcome: "forwarding"), CancellationToken.None);
        await log.AppendAsync(AuditSamples.Record(2, agent: "Bot1", decision: "approval_required", outcome: "rejected"), CancellationToken.None);
        await log.AppendAsync(AuditSamples.Record(3, agent: "bot1", decision: "allowed", outcome: "forwarded"), CancellationToken.None);

        var approved = await log.QueryAsync(new AuditQuery(Agent: "BOT1", Outcome: "approved"), CancellationToken.None);

        Assert.Equal(["session-1"], approved.Select(r => r.SessionId));
    }

    [ServicesFact]
    public async Task QueryAsync_MatchesPartOfTheToolAndAgentNames_InAnyCase_AsTheFileDoes()
    {
        var database = await services.CreateDatabaseAsync();
        await using var log = Open(database);
        await log.AppendAsync(AuditSamples.Record(1, agent: "trader-bot", tool: "exchange_place_order"), CancellationToken.None);
        await log.AppendAsync(AuditSamples.Record(2, agent: "research-bot", tool: "exchange_get_ticker"), CancellationToken.None);
        await log.AppendAsync(AuditSamples.Record(3, agent: "Trader-Bot", tool: "exchange_cancel_order"), CancellationToken.None);
        await log.AppendAsync(AuditSamples.Record(4, agent: "trader-bot", tool: "exchange_get_order_book"), CancellationToken.None);

        var table = await log.QueryAsync(new AuditQuery(Agent: "TRADER", Tool: "_order"), CancellationToken.None);
        // '_' and '%' are the characters typed, not LIKE's wildcards.
        var wildcard = await log.QueryAsync(new AuditQuery(Tool: "e_o%"), CancellationToken.None);

        Assert.Equal(["session-4", "session-3", "session-1"], table.Select(r => r.SessionId));
        Assert.Empty(wildcard);
    }

    [ServicesFact]
    public async Task Calls_FormOneChainInTheDatabase_WhenTwoGatewaysUseThePostgreSqlSink()
    {
        var database = await services.CreateDatabaseAsync();
        var settings = TestUpstreams.Merge(
            TestUpstreams.EverythingStdio(),
            new Dictionary<string, string?>
            {
                ["Gateway:Audit:Sink"] = "PostgreSql",
                ["Gateway:Audit:ConnectionString"] = database,
            });
        await using var first = await GatewayHost.StartAsync(TestUpstreams.Merge(settings, new Dictionary<string, string?> { ["Gateway:Audit:Instance"] = "gw-1" }));
        await using var second = await GatewayHost.StartAsync(TestUpstreams.Merge(settings, new Dictionary<string, string?> { ["Gateway:Audit:Instance"] = "gw-2" }));

        foreach (var (gateway, message) in new[] { (first, "one"), (second, "two"), (first, "three") })
        {
            await using var agent = await gateway.ConnectAsync(new McpClientOptions { ProtocolVersion = "2025-11-25" });
            await agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message });
        }

        var seen = await second.Services.GetRequiredService<IAuditQuery>().QueryAsync(new AuditQuery(Tool: "echo"), CancellationToken.None);
        Assert.Equal(
            ["three:forwarded", "three:forwarding", "two:forwarded", "two:forwarding", "one:forwarded", "one:forwarding"],
            seen.Select(r => $"{r.Arguments?["message"]?.GetValue<string>()}:{r.Outcome}"));

        // Each record names the instance that wrote it; before, nothing in the shared table told them apart.
        Assert.Equal(["gw-1", "gw-1", "gw-2", "gw-2", "gw-1", "gw-1"], seen.Select(r => r.Instance));
        // Each instance also recorded the policy it started with, in the same chain, before it served a call.
        var policies = await second.Services.GetRequiredService<IAuditQuery>().QueryAsync(new AuditQuery(Decision: "policy_loaded"), CancellationToken.None);
        Assert.Equal(["gw-2", "gw-1"], policies.Select(r => r.Instance));
        Assert.All(policies, r => Assert.Equal(("policy_loaded", null, ""), (r.Outcome, r.Agent, r.Tool)));
        // The file and its hash are fields of the records in the table too, inside the chain verified below.
        Assert.Equal(
            [(second.PolicyPath, Sha256(second.PolicyPath)), (first.PolicyPath, Sha256(first.PolicyPath))],
            policies.Select(r => (r.PolicyPath, r.PolicySha256)));
        Assert.Equal(8, first.Services.GetRequiredService<IAuditLog>().Recent(10).Count);
        Assert.False(File.Exists(Path.Combine(first.DataDirectory, "audit", "audit.jsonl")));
        var verification = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
        Assert.Equal(8, verification.Records);

        static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
    }

    [ServicesFact]
    public async Task ExportCsv_HasEveryRecordOfTheTable_WhenThereAreMoreThanTenThousand()
    {
        const int count = 10_050;
        var database = await services.CreateDatabaseAsync();
        await using (Open(database))
        {
            // Opening creates the table; the rows then go in with one statement, as a batch of appends would.
        }

        var chain = AuditSamples.Chain(count).ToList();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO audit_log (seq, line, hash, prev, time, agent, tool, decision, outcome)
                SELECT * FROM unnest(@seq, @line, @hash, @prev, @time, @agent, @tool, @decision, @outcome)
                """,
                connection);
            insert.Parameters.AddWithValue("seq", chain.Select(r => r.Seq).ToArray());
            insert.Parameters.AddWithValue("line", chain.Select(r => r.Line).ToArray());
            insert.Parameters.AddWithValue("hash", chain.Select(r => r.Hash).ToArray());
            insert.Parameters.AddWithValue("prev", chain.Select(r => r.Prev).ToArray());
            insert.Parameters.AddWithValue("time", chain.Select(r => r.Record.Time.UtcDateTime).ToArray());
            insert.Parameters.AddWithValue("agent", chain.Select(r => r.Record.Agent).ToArray());
            insert.Parameters.AddWithValue("tool", chain.Select(r => r.Record.Tool).ToArray());
            insert.Parameters.AddWithValue("decision", chain.Select(r => r.Record.Decision).ToArray());
            insert.Parameters.AddWithValue("outcome", chain.Select(r => r.Record.Outcome).ToArray());
            Assert.Equal(count, await insert.ExecuteNonQueryAsync());
        }

        await using var app = await AuditApiApp.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:Audit:Sink"] = "PostgreSql",
            ["Gateway:Audit:ConnectionString"] = database,
        });

        // Before, the export stopped at 10,000 rows and said nothing.
        var lines = await AuditApiApp.ExportCsvAsync(app);

        Assert.Equal(count + 1, lines.Length);
        Assert.Contains($",session-{count},", lines[1], StringComparison.Ordinal);
        Assert.Contains(",session-1,", lines[^1], StringComparison.Ordinal);
    }

    private static async Task AppendAsync(string connectionString, int count)
    {
        await using var log = Open(connectionString);
        for (var n = 1; n <= count; n++)
        {
            await log.AppendAsync(AuditSamples.Record(n), CancellationToken.None);
        }
    }

    private static PostgreSqlAuditLog Open(string connectionString, string instance = "test") =>
        new(connectionString, instance, NullLogger<PostgreSqlAuditLog>.Instance);

    private static async Task ExecuteAsync(string connectionString, string sql, int rows = 1)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        Assert.Equal(rows, await command.ExecuteNonQueryAsync());
    }
}
