using System.Text.Json.Serialization;

namespace ApprovalGateway.Approvals;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApprovalView))]
[JsonSerializable(typeof(IReadOnlyList<ApprovalView>))]
[JsonSerializable(typeof(DecisionRequestBody))]
[JsonSerializable(typeof(DecisionResponseBody))]
[JsonSerializable(typeof(ApiMessage))]
[JsonSerializable(typeof(GrantView[]))]
[JsonSerializable(typeof(RevokeRequestBody))]
[JsonSerializable(typeof(RevokeResponseBody))]
internal sealed partial class ApprovalsApiJsonContext : JsonSerializerContext;
