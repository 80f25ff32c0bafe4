using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Web.Auth;

internal sealed class AuthStartup(ApproverDirectory directory, ILogger<AuthStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (directory.HasApprovers)
        {
            Log.ApproversConfigured(logger, directory.Count);
        }
        else
        {
            Log.LoopbackOnly(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
