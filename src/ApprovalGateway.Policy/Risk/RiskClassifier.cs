namespace ApprovalGateway.Policy.Risk;

/// <summary>
/// Gives every tool a category and a risk class with the reason. MCP annotations decide when present; otherwise
/// the verbs of the tool's name decide (destructive, then read, then write verbs, then read nouns), then the first verb of its description, then money nouns in the name.
/// A tool with no evidence either way is treated as a write: only positive evidence makes a tool read-only.
/// </summary>
public static class RiskClassifier
{
    private static readonly HashSet<string> Noise = ["binance", "register", "api", "the", "this", "a", "an", "allows", "allow", "users", "user", "to"];

    private static readonly HashSet<string> DestructiveVerbs =
        ["cancel", "cancels", "delete", "deletes", "remove", "removes", "close", "closes", "revoke", "destroy", "purge", "terminate", "drop", "invalidate", "wipe", "liquidate"];

    private static readonly HashSet<string> WriteVerbs =
    [
        "new", "create", "creates", "put", "update", "set", "setting", "enable", "disable", "toggle", "change", "submit", "apply",
        "add", "extend", "modify", "edit", "post", "place", "places", "accept", "send", "claim", "renew", "repay", "borrow",
        "subscribe", "redeem", "stake", "unstake", "wrap", "unwrap", "buy", "sell", "mint", "approve", "execute", "swap",
        "initiate", "make", "write", "upload", "register", "confirms", "executes", "request",
    ];

    /// <summary>Verbs that only read: in a name they outweigh write verbs that may be nouns there (ResaleRequestList).</summary>
    private static readonly HashSet<string> ReadVerbs =
    [
        "get", "gets", "query", "list", "fetch", "fetches", "check", "checks", "retrieve", "retrieves", "search", "find", "read",
        "show", "describe", "returns", "view", "lookup",
    ];

    /// <summary>Nouns that name read endpoints; weaker than write verbs (TimeWeightedAveragePriceNewOrder is a write).</summary>
    private static readonly HashSet<string> ReadNouns =
        ["history", "info", "information", "ping", "test", "time", "ticker", "klines", "depth", "dustlog", "statistics", "whitelist"];

    /// <summary>Words that move money out or create debt: an irreversible loss if the agent is wrong.</summary>
    private static readonly HashSet<string> CriticalMoneyWords = ["withdraw", "withdrawal", "transfer", "borrow", "loan", "pay", "payout"];

    private static readonly HashSet<string> MoneyWords =
    [
        "order", "orders", "trade", "trades", "withdraw", "withdrawal", "transfer", "deposit", "convert", "quote", "pay", "payment",
        "borrow", "loan", "repay", "redeem", "subscribe", "stake", "staking", "earn", "fund", "funds", "asset", "assets", "coin",
        "token", "balance", "price", "amount", "margin", "futures", "future", "position", "oco", "twap", "collateral", "dust",
        "wrap", "unwrap", "buy", "sell", "swap", "product", "rewards", "investment", "hashrate",
    ];

    public static ToolRisk Classify(ToolDescriptor tool)
    {
        var nameWords = Words(tool.Name);
        var descriptionWords = Words(tool.Description ?? string.Empty);
        var money = nameWords.Concat(descriptionWords.Take(24)).FirstOrDefault(MoneyWords.Contains);
        var critical = nameWords.FirstOrDefault(CriticalMoneyWords.Contains);

        if (tool.ReadOnlyHint == true)
        {
            return new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, "annotated readOnlyHint: true");
        }

        if (tool.ReadOnlyHint == false || tool.DestructiveHint is not null)
        {
            // Per the MCP spec destructiveHint defaults to true for a tool that is not read-only.
            return tool.DestructiveHint != false
                ? Destructive("annotated destructiveHint", money)
                : Write($"annotated readOnlyHint: false, destructiveHint: false{(tool.IdempotentHint == true ? ", idempotent" : string.Empty)}", money, critical, tool.OpenWorldHint == true);
        }

        if (nameWords.FirstOrDefault(DestructiveVerbs.Contains) is { } destroys)
        {
            return Destructive($"name verb \"{destroys}\"", money);
        }

        if (nameWords.FirstOrDefault(ReadVerbs.Contains) is { } reads)
        {
            return new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, $"name verb \"{reads}\" reads without changing anything");
        }

        if (nameWords.FirstOrDefault(WriteVerbs.Contains) is { } writes)
        {
            return Write($"name verb \"{writes}\"", money, critical, false);
        }

        if (nameWords.FirstOrDefault(ReadNouns.Contains) is { } readNoun)
        {
            return new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, $"name names a read endpoint (\"{readNoun}\") and no write verb");
        }

        foreach (var word in descriptionWords)
        {
            if (DestructiveVerbs.Contains(word))
            {
                return Destructive($"description verb \"{word}\"", money);
            }

            if (WriteVerbs.Contains(word))
            {
                return Write($"description verb \"{word}\"", money, critical, false);
            }

            if (ReadVerbs.Contains(word) || ReadNouns.Contains(word))
            {
                return new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, $"description verb \"{word}\" reads without changing anything");
            }
        }

        return nameWords.FirstOrDefault(MoneyWords.Contains) is { } moneyNoun
            ? Write($"name mentions \"{moneyNoun}\" with no read verb", moneyNoun, critical, false)
            : new ToolRisk(ToolCategory.Write, RiskClass.Medium, "no annotations and no read verb: assumed to change state");
    }

    private static ToolRisk Destructive(string evidence, string? money) => money is null
        ? new ToolRisk(ToolCategory.Destructive, RiskClass.High, $"{evidence}: destroys state")
        : new ToolRisk(ToolCategory.Destructive, RiskClass.Critical, $"{evidence} on a financial object (\"{money}\"): irreversible");

    private static ToolRisk Write(string evidence, string? money, string? critical, bool openWorld)
    {
        if (critical is not null)
        {
            return new ToolRisk(ToolCategory.Financial, RiskClass.Critical, $"{evidence}; \"{critical}\" moves funds or creates debt");
        }

        if (money is not null)
        {
            return new ToolRisk(ToolCategory.Financial, RiskClass.High, $"{evidence}; changes a financial position (\"{money}\")");
        }

        return new ToolRisk(ToolCategory.Write, openWorld ? RiskClass.High : RiskClass.Medium, $"{evidence}: changes state{(openWorld ? " in an open world" : string.Empty)}");
    }

    /// <summary>Splits camelCase, PascalCase, snake_case and prose into lower-case words, dropping filler.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            var boundary = !char.IsAsciiLetter(c)
                || (start >= 0 && char.IsUpper(c) && i > start
                    && (char.IsLower(text[i - 1]) || (i + 1 < text.Length && char.IsLower(text[i + 1]))));
            if (boundary && start >= 0)
            {
                var word = text[start..i].ToLowerInvariant();
                if (!Noise.Contains(word))
                {
                    words.Add(word);
                }

                start = -1;
            }

            if (char.IsAsciiLetter(c) && start < 0)
            {
                start = i;
            }
        }

        return words;
    }
}
