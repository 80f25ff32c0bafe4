using System.Text.Json.Serialization;

namespace ApprovalGateway.Agents;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AgentAuthError))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
