namespace ApprovalGateway.Policy;

/// <summary>Loads the policy while the host starts, so an invalid file stops the gateway before it serves a call.</summary>
internal sealed class PolicyStartup(PolicyStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = store.Current;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
