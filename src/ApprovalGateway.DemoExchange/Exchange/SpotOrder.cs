using System.Text.Json.Serialization;

namespace ApprovalGateway.DemoExchange.Exchange;

internal sealed record SpotOrder(
    string Symbol,
    long OrderId,
    string ClientOrderId,
    decimal Price,
    decimal OrigQty,
    decimal ExecutedQty,
    decimal CummulativeQuoteQty,
    string Status,
    string TimeInForce,
    string Type,
    string Side,
    long Time,
    long UpdateTime)
{
    [JsonIgnore]
    public Reservation? Reserved { get; init; }
}
