using System.Text.Json.Serialization;

namespace ApprovalGateway.DemoExchange.Exchange;

internal sealed record TwapOrder(
    long AlgoId,
    string ClientAlgoId,
    string Symbol,
    string Side,
    decimal TotalQty,
    decimal ExecutedQty,
    decimal ExecutedAmt,
    decimal AvgPrice,
    decimal? LimitPrice,
    long Duration,
    string AlgoStatus,
    long BookTime,
    long EndTime)
{
    [JsonIgnore]
    public Reservation? Reserved { get; init; }
}
