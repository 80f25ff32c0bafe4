using System.Text.Json.Serialization;

namespace ApprovalGateway.Approvals;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(StoredApproval))]
[JsonSerializable(typeof(StoredDecision))]
[JsonSerializable(typeof(ApprovalGrant))]
internal sealed partial class ApprovalStorageJsonContext : JsonSerializerContext;
