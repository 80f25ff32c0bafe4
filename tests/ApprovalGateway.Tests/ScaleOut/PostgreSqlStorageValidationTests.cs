using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.ScaleOut;

public sealed class PostgreSqlStorageValidationTests
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
}
