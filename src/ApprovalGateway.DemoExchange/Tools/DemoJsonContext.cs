using System.Text.Json.Serialization;
using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AccountInfo))]
[JsonSerializable(typeof(OrderList))]
[JsonSerializable(typeof(SpotOrder))]
[JsonSerializable(typeof(TwapOrderList))]
[JsonSerializable(typeof(TwapOrder))]
[JsonSerializable(typeof(TwapCancellation))]
[JsonSerializable(typeof(PriceList))]
[JsonSerializable(typeof(Withdrawal))]
[JsonSerializable(typeof(WithdrawalList))]
[JsonSerializable(typeof(AddressList))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
