using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>A deployment's instances usually start together, and the first start of all finds an empty database.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ConcurrentStartTests(ScaleOutServices services)
{
    private const string Policy = """{ "version": "1", "default": "allow" }""";

    [ServicesFact]
    public async Task InstancesStartedTogetherOnAFreshDatabase_AllBecomeHealthy_WithoutAnError()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
        };

        // Each returns once its /healthz answers 200.
        var starting = Enumerable.Range(0, 3).Select(_ => GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), Policy, settings)).ToList();
        try
        {
            await Task.WhenAll(starting);
            foreach (var instance in starting.Select(s => s.Result))
            {
                // The console logs warnings and up: an error or critical line, or an exception, would show here.
                var output = instance.Output;
                Assert.False(
                    output.Contains("fail:", StringComparison.Ordinal) || output.Contains("crit:", StringComparison.Ordinal)
                        || output.Contains("Exception", StringComparison.Ordinal),
                    output);
            }
        }
        finally
        {
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }
        }
    }
}
