using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.Audit;

public sealed class AuditOptionsValidatorTests
{
    [Fact]
    public void Validate_NamesTheConnectionString_WhenThePostgreSqlSinkHasNone()
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Sink = "PostgreSql" });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Audit:ConnectionString is missing", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamesBothDurabilities_WhenTheDurabilityIsUnknown()
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Durability = "Memory" });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Audit:Durability is 'Memory'; it must be 'Disk'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("or 'Os'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamesBothSinks_WhenTheSinkIsUnknown()
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Sink = "Kafka" });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Audit:Sink is 'Kafka'; it must be 'File' or 'PostgreSql'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Succeeds_WhenThePostgreSqlSinkHasAConnectionString()
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { Sink = "PostgreSql", ConnectionString = "Host=db" });

        Assert.True(result.Succeeded);
    }
}
