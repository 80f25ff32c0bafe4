using System.Net;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using Npgsql;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>A deployment's instances usually start together, and the first start of all finds an empty database.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ConcurrentStartTests(ScaleOutServices services)
{
    private const string Policy = """{ "version": "1", "default": "allow" }""";

    [ServicesFact]
    public async Task InstancesStartedTogetherOnAFreshDatabase_AllBecomeHealthy_WithoutAnError()
    {
        await using var instances = await StartTogetherAsync(new Dictionary<string, string?>());

        foreach (var instance in instances.All)
        {
            // The console logs warnings and up: an error or critical line, or an exception, would show here.
            var output = instance.Output;
            Assert.False(
                output.Contains("fail:", StringComparison.Ordinal) || output.Contains("crit:", StringComparison.Ordinal)
                    || output.Contains("Exception", StringComparison.Ordinal),
                output);
        }
    }

    [ServicesFact]
    public async Task InstancesStartedTogetherOnAFreshDatabase_EachAcceptsASignInMadeOnAnother()
    {
        await using var instances = await StartTogetherAsync(ApproverBrowser.AlicePassword());

        // Approvers sign in at once, each through a different instance: the first use of the key ring on each.
        var browsers = await Task.WhenAll(instances.All.Select(i => ApproverBrowser.SignInAsync(i.BaseAddress, new CookieContainer())));
        try
        {
            foreach (var (browser, signedInOn) in browsers.Select((b, i) => (b, i)))
            {
                foreach (var (instance, on) in instances.All.Select((g, i) => (g, i)))
                {
                    using var page = await browser.GetAsync(new Uri(instance.BaseAddress, "/api/approvals"));
                    Assert.True(
                        page.StatusCode == HttpStatusCode.OK,
                        $"Signed in on instance {signedInOn}, instance {on} answered {(int)page.StatusCode} {page.Headers.Location}");
                }
            }

            // Before, each instance made a key of its own. For two minutes after it starts, ASP.NET Core re-reads the
            // ring when a cookie names a key it does not know, so the checks above passed; after that each instance
            // kept to what it had read for a day, and sent an approver signed in on another back to /login.
            await using var database = new NpgsqlConnection(instances.Database);
            await database.OpenAsync();
            await using var keys = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys", database);
            Assert.Equal(1L, await keys.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var browser in browsers)
            {
                browser.Dispose();
            }
        }
    }

    /// <summary>Three instances on a new database, started at once; returns once all answer <c>/healthz</c>.</summary>
    private async Task<Instances> StartTogetherAsync(Dictionary<string, string?> settings)
    {
        settings["Hangfire:Storage"] = "PostgreSql";
        var database = await services.CreateDatabaseAsync();
        settings["Hangfire:ConnectionString"] = database;
        var starting = Enumerable.Range(0, 3).Select(_ => GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), Policy, settings)).ToList();
        try
        {
            return new Instances(database, await Task.WhenAll(starting));
        }
        catch
        {
            await new Instances(database, [.. starting.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result)]).DisposeAsync();
            throw;
        }
    }

    private sealed class Instances(string database, GatewayProcess[] all) : IAsyncDisposable
    {
        public string Database { get; } = database;

        public GatewayProcess[] All { get; } = all;

        public async ValueTask DisposeAsync()
        {
            foreach (var instance in All)
            {
                await instance.DisposeAsync();
            }
        }
    }
}
