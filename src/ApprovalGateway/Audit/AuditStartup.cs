using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.Audit;

/// <summary>Opens the audit file at startup, so a partial line is truncated and a damaged head fails the start, not the first call.</summary>
internal sealed class AuditStartup(IAuditLog audit) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = audit;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
