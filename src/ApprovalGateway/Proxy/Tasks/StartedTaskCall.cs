using System.Text.Json.Nodes;

namespace ApprovalGateway.Proxy.Tasks;

/// <summary>
/// The immediate answer to a task-augmented <c>tools/call</c>: a <c>CreateTaskResult</c>, either the gateway's own
/// or an upstream's relayed as-is (<paramref name="UpstreamTaskId"/> set, so later <c>tasks/*</c> route back to it).
/// </summary>
internal sealed record StartedTaskCall(JsonNode Reply, string? UpstreamTaskId, Task Background);
