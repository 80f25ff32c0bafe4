using System.Text.Json.Nodes;

namespace ApprovalGateway.Tests.Slack;

/// <summary>One request the fake Slack received: the API method (or <c>response_url</c>), its token, body and the status it answered.</summary>
public sealed record FakeSlackRequest(string Method, string? BearerToken, JsonObject Body, int StatusCode, bool Ok);
