namespace ApprovalGateway.Policy;

/// <summary>The policy file is missing or invalid at startup; the message lists every error as <c>file:line: message</c>.</summary>
internal sealed class PolicyLoadException(string message) : Exception(message);
