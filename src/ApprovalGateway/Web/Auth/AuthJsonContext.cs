using System.Text.Json.Serialization;

namespace ApprovalGateway.Web.Auth;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuthError))]
[JsonSerializable(typeof(AntiforgeryToken))]
[JsonSerializable(typeof(SignedInApprover))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
