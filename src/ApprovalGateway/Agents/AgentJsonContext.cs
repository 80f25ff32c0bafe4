using System.Text.Json.Serialization;

namespace ApprovalGateway.Agents;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AgentAuthError))]
[JsonSerializable(typeof(OAuthRegistrationError))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
