using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Client;
using static ApprovalGateway.Tests.EndToEnd.TaskGateway;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// A held call to a tool its upstream runs only as a task, approved and running upstream as the upstream's own task,
/// that the agent then cancels: the cancel reaches the upstream's task, not only the gateway's.
/// </summary>
public sealed class TaskUpstreamCancelTests
{
    private const string AgentKey = "tasks-agent-key-0123456789abcdef";

    [Fact]
    public async Task TasksCancel_CancelsTheUpstreamsTask_WhenTheApprovedCallRunsUpstreamAsATask()
    {
        var (gateway, approvals, audit) = await StartAsync();
        await using var _ = gateway;
        await using var agent = await gateway.ConnectAsync(new() { ProtocolVersion = "2025-11-25" }, AgentKey);

        var taskId = (string)(await CallAsTaskAsync(agent, "slow-report", new JsonObject()))["taskId"]!;
        var approvalId = await ApproveAsync(gateway, approvals);
        var started = await CallToolTextAsync(agent, "upstream-tasks");
        var running = await GetAsync(agent, taskId);
        var cancelled = await CancelAsync(agent, taskId);
        var withdrawn = await audit.WaitForOutcomeAsync("withdrawn");
        var upstreamTasks = await CallToolTextAsync(agent, "upstream-tasks");
        var result = await ResultAsync(agent, taskId);

        Assert.Equal("started upstream-task-1", started);
        // Said as it happened: approved and stopped upstream, not "withdrawn before a decision" as a call never decided.
        Assert.Equal($"Approved; the upstream is running the call (approval {approvalId}).", (string?)running["statusMessage"]);
        Assert.Equal("cancelled", (string?)cancelled["status"]);
        Assert.Contains("while the upstream ran its approved call", (string?)cancelled["statusMessage"], StringComparison.Ordinal);
        Assert.Equal("cancelled", (string?)(await GetAsync(agent, taskId))["status"]);
        Assert.Contains("approved, then stopped while the upstream ran it", result.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("started upstream-task-1; cancelled upstream-task-1", upstreamTasks);
        Assert.Equal(approvalId, withdrawn.ApprovalId);
        Assert.Equal("the agent cancelled the call while the upstream ran it", withdrawn.Reason);
    }

    [Fact]
    public async Task TasksCancel_CancelsTheUpstreamsTask_WhenTheAgentCancelsWhileTheUpstreamIsStillStartingIt()
    {
        var (gateway, approvals, audit) = await StartAsync();
        await using var _ = gateway;
        await using var agent = await gateway.ConnectAsync(new() { ProtocolVersion = "2025-11-25" }, AgentKey);

        var taskId = (string)(await CallAsTaskAsync(agent, "slow-report", new JsonObject { ["holdAnswer"] = true }))["taskId"]!;
        await ApproveAsync(gateway, approvals);
        var started = await CallToolTextAsync(agent, "upstream-tasks");
        var cancelled = await CancelAsync(agent, taskId);
        await CallToolTextAsync(agent, "release-answers");
        var withdrawn = await audit.WaitForOutcomeAsync("withdrawn");
        var upstreamTasks = await CallToolTextAsync(agent, "upstream-tasks");

        // Before, the gateway gave up on the call that was making the task, and never heard the id of the task it made.
        Assert.Equal("started upstream-task-1", started);
        Assert.Equal("cancelled", (string?)cancelled["status"]);
        Assert.Equal("started upstream-task-1; cancelled upstream-task-1", upstreamTasks);
        Assert.Equal("the agent cancelled the call while the upstream ran it", withdrawn.Reason);
        Assert.Equal("cancelled", (string?)(await GetAsync(agent, taskId))["status"]);
    }

    private static async Task<(GatewayHost Gateway, RecordingObserver Approvals, AuditAppendWatcher Audit)> StartAsync()
    {
        var approvals = new RecordingObserver();
        var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(
                TestUpstreams.NodeScriptStdio("reports", TaskOnlyServer),
                new Dictionary<string, string?> { ["Gateway:Agents:agent:ApiKey"] = AgentKey }),
            ApprovalPolicies.Hold("slow-report", """{ "timeout": 120 }"""),
            builder =>
            {
                builder.Services.AddSingleton<IApprovalObserver>(approvals);
                builder.Services.Replace(ServiceDescriptor.Singleton<IAuditLog>(sp => new AuditAppendWatcher(sp.GetRequiredService<FileAuditLog>())));
            });
        return (gateway, approvals, (AuditAppendWatcher)gateway.Services.GetRequiredService<IAuditLog>());
    }

    private static async Task<string> ApproveAsync(GatewayHost gateway, RecordingObserver approvals)
    {
        var pending = await approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Request.Tool == "slow-report");
        var decided = await gateway.Services.GetRequiredService<IApprovalDecisions>()
            .DecideAsync(pending.Id, Alice, true, null, null, "web", CancellationToken.None);
        Assert.Equal(DecisionResultKind.Resolved, decided.Kind);
        return pending.Id;
    }

    private static async Task<string> CallToolTextAsync(McpClient agent, string tool)
    {
        var result = await SendAsync(agent, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() });
        return (string)result["content"]![0]!["text"]!;
    }

    /// <summary>
    /// A stdio server whose <c>slow-report</c> runs only as a task that never finishes by itself (with
    /// <c>holdAnswer</c>, the call that makes it is answered only at <c>release-answers</c>), and whose
    /// <c>upstream-tasks</c> tells, once one has started, which of its tasks were started and which were cancelled.
    /// </summary>
    private const string TaskOnlyServer = """
        const readline = require('node:readline');
        const log = [];
        const waiting = [];
        const held = [];
        let next = 1;
        const send = m => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\n');
        const answerLog = id => send({ id, result: { content: [{ type: 'text', text: log.join('; ') }] } });
        const task = (taskId, status) => {
          const now = new Date().toISOString();
          return { taskId, status, createdAt: now, lastUpdatedAt: now, ttl: 60000, pollInterval: 1000 };
        };
        readline.createInterface({ input: process.stdin }).on('line', line => {
          const { id, method, params } = JSON.parse(line);
          if (id === undefined) return;
          switch (method) {
            case 'initialize':
              return send({ id, result: {
                protocolVersion: params.protocolVersion,
                capabilities: { tools: {}, tasks: { cancel: {}, requests: { tools: { call: {} } } } },
                serverInfo: { name: 'task-only', version: '1.0.0' } } });
            case 'ping':
              return send({ id, result: {} });
            case 'tools/list':
              return send({ id, result: { tools: [
                { name: 'slow-report', inputSchema: { type: 'object' }, execution: { taskSupport: 'required' } },
                { name: 'upstream-tasks', inputSchema: { type: 'object' } },
                { name: 'release-answers', inputSchema: { type: 'object' } }] } });
            case 'tools/call':
              if (params.name === 'upstream-tasks') {
                // Answers once a task has started, so a test needs no other signal that the call reached it.
                return log.length ? answerLog(id) : waiting.push(id);
              }
              if (params.name === 'release-answers') {
                held.splice(0).forEach(answer => answer());
                return send({ id, result: { content: [{ type: 'text', text: 'released' }] } });
              }
              if (!params.task) return send({ id, error: { code: -32601, message: 'slow-report runs only as a task' } });
              const taskId = `upstream-task-${next++}`;
              log.push(`started ${taskId}`);
              const answer = () => send({ id, result: { task: task(taskId, 'working') } });
              if (params.arguments?.holdAnswer) held.push(answer); else answer();
              return waiting.splice(0).forEach(answerLog);
            case 'tasks/result':
              return; // Never done by itself.
            case 'tasks/cancel':
              log.push(`cancelled ${params.taskId}`);
              return send({ id, result: task(params.taskId, 'cancelled') });
            default:
              return send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
          }
        });
        """;
}
