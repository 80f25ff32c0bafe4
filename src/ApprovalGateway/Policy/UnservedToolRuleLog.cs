using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Primitives;

namespace ApprovalGateway.Policy;

/// <summary>
/// Logs the policy's tool rules that match no tool the upstreams serve (<see cref="UnservedToolRules"/>, event 2003 as
/// the policy's other warnings): when the gateway starts, when the policy is reloaded and when an upstream's tool list
/// changes. A misspelt deny under <c>"default": "allow"</c> lets every call through, and before, only
/// <c>/api/policy</c> and the Tools tab said so, where an admin who edits the file and watches the log never looked.
/// Each warning is logged once, and again only if it goes away and comes back.
/// </summary>
internal sealed class UnservedToolRuleLog(PolicyStore policy, ToolCatalog catalog, ILogger<UnservedToolRuleLog> logger) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private HashSet<string> _reported = [];
    private IDisposable? _reloads;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Changed += Check;
        _reloads = ChangeToken.OnChange(policy.GetReloadToken, Check);
        Check();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        catalog.Changed -= Check;
        _reloads?.Dispose();
    }

    private void Check()
    {
        lock (_gate)
        {
            var now = UnservedToolRules.Find(policy.Document, [.. catalog.Tools.Select(t => t.Name)]);
            foreach (var warning in now.Where(w => !_reported.Contains(w)))
            {
                Log.PolicyNamesSomethingUnknown(logger, policy.SourcePath, warning);
            }

            _reported = [.. now];
        }
    }
}
