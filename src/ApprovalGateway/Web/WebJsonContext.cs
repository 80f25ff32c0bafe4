using System.Text.Json.Serialization;

namespace ApprovalGateway.Web;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApprovalMessage))]
internal sealed partial class WebJsonContext : JsonSerializerContext;
