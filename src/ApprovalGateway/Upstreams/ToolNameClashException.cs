namespace ApprovalGateway.Upstreams;

/// <summary>
/// Two upstreams serve the same tool name when the gateway starts: a settings mistake (a missing ToolPrefix) that the
/// message names, which no restart mends.
/// </summary>
internal sealed class ToolNameClashException(string message) : Exception(message);
