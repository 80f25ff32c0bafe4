using System.Net;
using ApprovalGateway.Audit;
using ApprovalGateway.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Tests.Audit;

public sealed class RefusalAuditTests : IAsyncDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FileAuditLog log;
    private readonly RefusalAudit refusals;

    public RefusalAuditTests()
    {
        log = new FileAuditLog(dir.File("audit.jsonl"), 1000, NullLogger<FileAuditLog>.Instance);
        refusals = new RefusalAudit(
            log, new GatewayMetrics(meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), time, NullLogger<RefusalAudit>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await log.DisposeAsync();
        await meters.DisposeAsync();
        dir.Dispose();
    }

    [Fact]
    public async Task AFloodOfRefusals_IsRecordedUpToTheCap_AndTheNextRecordCountsTheRest()
    {
        var from = IPAddress.Parse("203.0.113.7");
        var ownRecords = 0;
        for (var i = 0; i < RefusalAudit.MaxRecordsPerMinute + 25; i++)
        {
            ownRecords += await refusals.RecordAsync(RefusalDoor.Mcp, "POST /mcp refused: Invalid API key.", from) ? 1 : 0;
        }

        // What had no record of its own is not logged either: before, each bad key wrote a warning, uncapped.
        Assert.Equal(RefusalAudit.MaxRecordsPerMinute, ownRecords);

        var duringTheFlood = log.Recent(1000).Count;
        time.Advance(TimeSpan.FromMinutes(1));
        await refusals.RecordAsync(RefusalDoor.Mcp, "POST /mcp refused: Invalid API key.", from);

        Assert.Equal(RefusalAudit.MaxRecordsPerMinute, duringTheFlood);
        Assert.Equal(
            "POST /mcp refused: Invalid API key. (from 203.0.113.7); 25 more refused requests before this one were counted but not recorded one by one",
            log.Recent(1).Single().Reason);
    }

    [Fact]
    public async Task AFloodAtOneDoor_DoesNotCrowdOutTheRecordsOfAnother()
    {
        var from = IPAddress.Parse("203.0.113.7");
        for (var i = 0; i < RefusalAudit.MaxRecordsPerMinute + 25; i++)
        {
            await refusals.RecordAsync(RefusalDoor.Mcp, "POST /mcp refused: Invalid API key.", from);
        }

        // Before, one budget served every door: bad agent keys could hide a password-guessing run at the sign-in.
        Assert.True(await refusals.RecordAsync(RefusalDoor.Approvers, "Sign-in as 'alice' refused: wrong name or password", from));
        Assert.Equal("Sign-in as 'alice' refused: wrong name or password (from 203.0.113.7)", log.Recent(1).Single().Reason);
    }

    [Fact]
    public async Task ARefusalFromAnIPv4MappedAddress_NamesThePlainIPv4Address()
    {
        await refusals.RecordAsync(RefusalDoor.Slack, "Slack interaction refused: its signature does not match the signing secret", IPAddress.Parse("::ffff:198.51.100.4"));

        Assert.Equal(
            "Slack interaction refused: its signature does not match the signing secret (from 198.51.100.4)",
            log.Recent(1).Single().Reason);
    }
}
