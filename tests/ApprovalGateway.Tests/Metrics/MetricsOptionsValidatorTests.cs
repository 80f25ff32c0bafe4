using ApprovalGateway.Metrics;

namespace ApprovalGateway.Tests.Metrics;

public sealed class MetricsOptionsValidatorTests
{
    [Fact]
    public void Validate_AsksForALongerToken_WhenTheTokenIsShort()
    {
        var result = new MetricsOptionsValidator().Validate(null, new MetricsOptions { Token = "secret" });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Metrics:Token has 6 characters; use at least 16", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamesThePath_WhenItIsNotAnAbsolutePath()
    {
        var result = new MetricsOptionsValidator().Validate(null, new MetricsOptions { Path = "metrics" });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Metrics:Path is 'metrics'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Passes_ForTheDefaults()
    {
        Assert.True(new MetricsOptionsValidator().Validate(null, new MetricsOptions()).Succeeded);
    }
}
