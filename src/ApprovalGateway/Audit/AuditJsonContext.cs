using System.Text.Json.Serialization;

namespace ApprovalGateway.Audit;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(IReadOnlyList<AuditRecord>))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
