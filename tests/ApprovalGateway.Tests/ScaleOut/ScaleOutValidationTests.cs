using ApprovalGateway.Approvals;
using ApprovalGateway.ScaleOut;

namespace ApprovalGateway.Tests.ScaleOut;

public sealed class ScaleOutValidationTests
{
    [Fact]
    public void Validate_NamesTheConnectionString_WhenPostgreSqlHasNone()
    {
        var result = new HangfireOptionsValidator().Validate(null, new HangfireOptions { Storage = HangfireStorageKind.PostgreSql });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Hangfire:ConnectionString must be set when Hangfire:Storage is PostgreSql", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Succeeds_WhenPostgreSqlHasAConnectionString()
    {
        var result = new HangfireOptionsValidator().Validate(
            null, new HangfireOptions { Storage = HangfireStorageKind.PostgreSql, ConnectionString = "Host=db;Database=gateway" });

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_NamesInstanceTimeout_WhenShorterThanThreeHeartbeats()
    {
        var result = new ScaleOutOptionsValidator().Validate(
            null, new ScaleOutOptions { HeartbeatInterval = TimeSpan.FromSeconds(10), InstanceTimeout = TimeSpan.FromSeconds(20) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("ScaleOut:InstanceTimeout must be at least three heartbeat intervals (00:00:30, was 00:00:20)", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Succeeds_WithTheDefaultHeartbeat()
    {
        Assert.True(new ScaleOutOptionsValidator().Validate(null, new ScaleOutOptions()).Succeeded);
    }
}
