namespace ApprovalGateway.Slack;

/// <summary>Slack answered <c>{"ok":false,"error":…}</c>; <see cref="Error"/> is Slack's error code.</summary>
internal sealed class SlackApiException(string method, string error)
    : Exception($"Slack {method} failed: {error}")
{
    public string Method { get; } = method;

    public string Error { get; } = error;
}
