using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>
/// One account on a make-believe exchange, held in memory. Every change happens under one lock, so concurrent
/// sessions see balances and orders move together. Prices never move: limit and TWAP orders rest until cancelled,
/// market orders fill at once at the listed price.
/// </summary>
internal sealed class SimulatedExchange(TimeProvider time, ILogger<SimulatedExchange> logger)
{
    private static readonly Market[] Markets =
    [
        new("BTCUSDT", "BTC", "USDT", 65_000m),
        new("ETHUSDT", "ETH", "USDT", 3_200m),
        new("BNBUSDT", "BNB", "USDT", 580m),
        new("SOLUSDT", "SOL", "USDT", 150m),
    ];

    private static readonly WithdrawNetwork[] Networks =
    [
        new("BTC", "BTC", 0.0002m, IsDefault: true),
        new("ETH", "ETH", 0.0012m, IsDefault: true),
        new("USDT", "ETH", 4m, IsDefault: false),
        new("USDT", "TRX", 1m, IsDefault: true),
        new("USDT", "BSC", 0.5m, IsDefault: false),
        new("BNB", "BSC", 0.0005m, IsDefault: true),
        new("SOL", "SOL", 0.01m, IsDefault: true),
    ];

    // Addresses an agent may look up before asking to withdraw; the address book itself is not editable here.
    private static readonly SavedAddress[] AddressBook =
    [
        new("USDT", "TRX", "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", "Treasury (TRON)"),
        new("ETH", "ETH", "0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063", "Cold wallet"),
    ];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (decimal Free, decimal Locked)> _balances = new(StringComparer.Ordinal);
    private readonly Dictionary<long, SpotOrder> _orders = [];
    private readonly Dictionary<long, TwapOrder> _twapOrders = [];
    private readonly List<Withdrawal> _withdrawals = [];
    private long _nextOrderId = 1001;
    private long _nextAlgoId = 123;

    public IReadOnlyList<AssetBalance> Balances()
    {
        lock (_gate)
        {
            return [.. _balances.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new AssetBalance(b.Key, b.Value.Free, b.Value.Locked))];
        }
    }

    public IReadOnlyList<TickerPrice> Prices(string? symbol)
    {
        if (string.IsNullOrEmpty(symbol))
        {
            return [.. Markets.Select(m => new TickerPrice(m.Symbol, m.Price))];
        }

        var market = FindMarket(symbol);
        return [new TickerPrice(market.Symbol, market.Price)];
    }

    public void Deposit(string asset, decimal amount)
    {
        lock (_gate)
        {
            var balance = _balances.GetValueOrDefault(asset);
            _balances[asset] = (balance.Free + amount, balance.Locked);
        }
    }

    public IReadOnlyList<SpotOrder> OpenOrders(string? symbol)
    {
        if (!string.IsNullOrEmpty(symbol))
        {
            FindMarket(symbol);
        }

        lock (_gate)
        {
            return [.. _orders.Values.Where(o => o.Status == "NEW" && (string.IsNullOrEmpty(symbol) || o.Symbol == symbol)).OrderBy(o => o.OrderId)];
        }
    }

    public SpotOrder GetOrder(string symbol, string? orderId)
    {
        var market = FindMarket(symbol);
        var id = ParseOrderId(orderId);
        lock (_gate)
        {
            return _orders.TryGetValue(id, out var order) && order.Symbol == market.Symbol
                ? order
                : throw Refuse($"Order {id} does not exist on {market.Symbol}.");
        }
    }

    public SpotOrder PlaceOrder(string symbol, string side, string type, decimal quantity, decimal? price, string? timeInForce, string? clientOrderId)
    {
        var market = FindMarket(symbol);
        var isBuy = ParseSide(side);
        if (quantity <= 0)
        {
            throw Refuse($"Quantity must be greater than zero; got {quantity.ToString(CultureInfo.InvariantCulture)}.");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var orderId = _nextOrderId;
            var clientId = clientOrderId ?? $"demo-{orderId}";
            SpotOrder order;
            switch (type)
            {
                case "MARKET":
                    var cost = quantity * market.Price;
                    Take(isBuy ? market.QuoteAsset : market.BaseAsset, isBuy ? cost : quantity);
                    Credit(isBuy ? market.BaseAsset : market.QuoteAsset, isBuy ? quantity : cost);
                    order = new SpotOrder(market.Symbol, orderId, clientId, 0m, quantity, quantity, cost, "FILLED", "GTC", type, side, now, now);
                    break;
                case "LIMIT":
                    if (price is not > 0)
                    {
                        throw Refuse("A LIMIT order needs a price greater than zero.");
                    }

                    var reserved = new Reservation(isBuy ? market.QuoteAsset : market.BaseAsset, isBuy ? quantity * price.Value : quantity);
                    Lock(reserved);
                    order = new SpotOrder(market.Symbol, orderId, clientId, price.Value, quantity, 0m, 0m, "NEW", timeInForce ?? "GTC", type, side, now, now)
                    {
                        Reserved = reserved,
                    };
                    break;
                default:
                    throw Refuse($"Order type '{type}' is not supported by the demo exchange; use LIMIT or MARKET.");
            }

            _nextOrderId++;
            _orders[orderId] = order;
            logger.OrderPlaced(orderId, side, quantity, market.Symbol, type, order.Status);
            return order;
        }
    }

    public SpotOrder CancelOrder(string symbol, string? orderId)
    {
        var market = FindMarket(symbol);
        var id = ParseOrderId(orderId);
        lock (_gate)
        {
            if (!_orders.TryGetValue(id, out var order) || order.Symbol != market.Symbol)
            {
                throw Refuse($"Order {id} does not exist on {market.Symbol}.");
            }

            if (order.Status != "NEW")
            {
                throw Refuse($"Order {id} is {order.Status} and can no longer be cancelled.");
            }

            return CancelLocked(order);
        }
    }

    public IReadOnlyList<SpotOrder> CancelOpenOrders(string symbol)
    {
        var market = FindMarket(symbol);
        lock (_gate)
        {
            var open = _orders.Values.Where(o => o.Symbol == market.Symbol && o.Status == "NEW").OrderBy(o => o.OrderId).ToList();
            return open.Count == 0
                ? throw Refuse($"There are no open orders on {market.Symbol}.")
                : [.. open.Select(CancelLocked)];
        }
    }

    public IReadOnlyList<TwapOrder> OpenTwapOrders()
    {
        lock (_gate)
        {
            return [.. _twapOrders.Values.OrderBy(o => o.AlgoId)];
        }
    }

    public TwapOrder PlaceTwap(string symbol, string side, decimal quantity, long duration, decimal? limitPrice, string? clientAlgoId)
    {
        var market = FindMarket(symbol);
        var isBuy = ParseSide(side);
        if (quantity <= 0)
        {
            throw Refuse($"Quantity must be greater than zero; got {quantity.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (duration is < 300 or > 86_400)
        {
            throw Refuse($"Duration must be between 300 and 86400 seconds; got {duration}.");
        }

        if (limitPrice is <= 0)
        {
            throw Refuse("The limit price must be greater than zero when given.");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var reserved = new Reservation(isBuy ? market.QuoteAsset : market.BaseAsset, isBuy ? quantity * (limitPrice ?? market.Price) : quantity);
            Lock(reserved);
            var algoId = _nextAlgoId++;
            var order = new TwapOrder(algoId, clientAlgoId ?? $"demo-twap-{algoId}", market.Symbol, side, quantity, 0m, 0m, 0m, limitPrice, duration, "WORKING", now, now + (duration * 1000))
            {
                Reserved = reserved,
            };
            _twapOrders[algoId] = order;
            logger.TwapPlaced(algoId, side, quantity, market.Symbol, duration);
            return order;
        }
    }

    public TwapOrder CancelTwap(long algoId)
    {
        lock (_gate)
        {
            if (!_twapOrders.Remove(algoId, out var order))
            {
                throw Refuse($"There is no open TWAP order with algoId {algoId}.");
            }

            if (order.Reserved is { } reserved)
            {
                Unlock(reserved);
            }

            logger.TwapCancelled(algoId);
            return order with { AlgoStatus = "CANCELLED", Reserved = null };
        }
    }

    public Withdrawal Withdraw(string coin, string address, decimal amount, string? network, string? withdrawOrderId)
    {
        var route = Networks.FirstOrDefault(n => n.Coin == coin && (network is null ? n.IsDefault : n.Network == network))
            ?? throw Refuse(Networks.Any(n => n.Coin == coin)
                ? $"{coin} cannot be withdrawn on network '{network}'; use one of {string.Join(", ", Networks.Where(n => n.Coin == coin).Select(n => n.Network))}."
                : $"Unknown coin '{coin}'.");
        if (string.IsNullOrWhiteSpace(address))
        {
            throw Refuse("A withdrawal needs a destination address.");
        }

        if (amount <= route.Fee)
        {
            throw Refuse($"The amount must be greater than the {route.Network} network fee of {route.Fee.ToString(CultureInfo.InvariantCulture)} {coin}.");
        }

        var applyTime = time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            Take(coin, amount);
            var id = $"demo-wd-{_withdrawals.Count + 1:D6}";
            var withdrawal = new Withdrawal(id, amount, route.Fee, coin, 6, address, $"0xdemo{_withdrawals.Count + 1:D6}", applyTime, route.Network, withdrawOrderId);
            _withdrawals.Add(withdrawal);
            logger.Withdrawn(id, amount, coin, address, route.Network);
            return withdrawal;
        }
    }

    public IReadOnlyList<SavedAddress> WithdrawAddresses() => AddressBook;

    public IReadOnlyList<Withdrawal> WithdrawHistory(string? coin, string? withdrawOrderId, int? limit)
    {
        lock (_gate)
        {
            return [.. _withdrawals
                .Where(w => string.IsNullOrEmpty(coin) || w.Coin == coin)
                .Where(w => string.IsNullOrEmpty(withdrawOrderId) || w.WithdrawOrderId == withdrawOrderId)
                .Reverse()
                .Take(limit is > 0 ? limit.Value : 1000)];
        }
    }

    private SpotOrder CancelLocked(SpotOrder order)
    {
        if (order.Reserved is { } reserved)
        {
            Unlock(reserved);
        }

        var cancelled = order with { Status = "CANCELED", UpdateTime = time.GetUtcNow().ToUnixTimeMilliseconds(), Reserved = null };
        _orders[order.OrderId] = cancelled;
        logger.OrderCancelled(order.OrderId, order.Symbol);
        return cancelled;
    }

    private void Take(string asset, decimal amount)
    {
        var balance = _balances.GetValueOrDefault(asset);
        if (balance.Free < amount)
        {
            throw Refuse($"Insufficient balance: {amount.ToString(CultureInfo.InvariantCulture)} {asset} needed, {balance.Free.ToString(CultureInfo.InvariantCulture)} {asset} free.");
        }

        _balances[asset] = (balance.Free - amount, balance.Locked);
    }

    private void Credit(string asset, decimal amount)
    {
        var balance = _balances.GetValueOrDefault(asset);
        _balances[asset] = (balance.Free + amount, balance.Locked);
    }

    private void Lock(Reservation reservation)
    {
        Take(reservation.Asset, reservation.Amount);
        var balance = _balances[reservation.Asset];
        _balances[reservation.Asset] = (balance.Free, balance.Locked + reservation.Amount);
    }

    private void Unlock(Reservation reservation)
    {
        var balance = _balances[reservation.Asset];
        _balances[reservation.Asset] = (balance.Free + reservation.Amount, balance.Locked - reservation.Amount);
    }

    private Market FindMarket(string symbol) =>
        Markets.FirstOrDefault(m => m.Symbol == symbol)
            ?? throw Refuse($"Unknown symbol '{symbol}'; the demo exchange lists {string.Join(", ", Markets.Select(m => m.Symbol))}.");

    private bool ParseSide(string side) => side switch
    {
        "BUY" => true,
        "SELL" => false,
        _ => throw Refuse($"Side must be BUY or SELL; got '{side}'."),
    };

    private long ParseOrderId(string? orderId) =>
        long.TryParse(orderId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw Refuse(orderId is null ? "An orderId is required." : $"Order '{orderId}' does not exist.");

    private ExchangeException Refuse(string reason)
    {
        logger.Refused(reason);
        return new ExchangeException(reason);
    }
}
