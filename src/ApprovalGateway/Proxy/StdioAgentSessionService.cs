using ApprovalGateway.Approvals;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Runs the <c>--stdio</c> agent session, and stops the gateway when it ends, as the SDK's single-session service
/// does; unlike it, the end of the agent's input ends the session's calls too. The SDK lets requests in flight run on
/// after end of input, so a call held for approval kept the process alive until its deadline after the client had
/// closed stdin to shut it down (MCP's stdio shutdown); now it is withdrawn and recorded like the call of any agent
/// whose session ends.
/// </summary>
internal sealed class StdioAgentSessionService(
    McpServer server, ITransport transport, GatewaySession session, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        try
        {
            // The agent is answered once the gateway is up, its page included. A gateway that cannot start (its port
            // taken by another client's copy of it) must not tell the client it is ready and then vanish.
            await StartedAsync(stoppingToken);
            var run = server.RunAsync(ended.Token);
            if (await Task.WhenAny(run, transport.MessageReader.Completion) != run)
            {
                session.EndingBecause(ApprovalText.InputClosedReason);
                await ended.CancelAsync();
            }

            await run;
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The agent closed its input or the host is stopping: both end the session.
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }
}
