using ApprovalGateway.Policy.Conditions;

namespace ApprovalGateway.Policy.Tests;

public sealed class ConditionParserTests
{
    private static bool Holds(string condition, string args = "{}", string? agent = null)
    {
        Assert.True(ConditionParser.TryParse(condition, out var expr, out var error), error);
        var value = expr!.Evaluate(Facts.Call("Tool", agent: agent, args: args));
        Assert.Equal(ValueKind.Bool, value.Kind);
        return value.Bool;
    }

    [Theory]
    [InlineData("args.quantity * args.price > 1000", """{ "quantity": 3, "price": 400 }""", true)]
    [InlineData("args.quantity * args.price >= 1200", """{ "quantity": "3", "price": "400" }""", true)]
    [InlineData("args.quantity + 1 == 4 && args.side == 'BUY'", """{ "quantity": 3, "side": "BUY" }""", true)]
    [InlineData("args.symbol in ['BTCUSDT', \"ETHUSDT\"]", """{ "symbol": "ETHUSDT" }""", true)]
    [InlineData("args.symbol not in ['BTCUSDT']", """{ }""", true)]
    [InlineData("not (args.a < 2) or args.b", """{ "a": 1, "b": false }""", false)]
    [InlineData("args.order.legs == 2", """{ "order": { "legs": 2 } }""", true)]
    [InlineData("args['client-id'] != null", """{ "client-id": "x" }""", true)]
    [InlineData("args.missing == null", "{}", true)]
    [InlineData("-args.x < 0 and args.x % 2 == 1", """{ "x": 3 }""", true)]
    [InlineData("tool == 'Tool' and agent == null and upstream == 'exchange'", "{}", true)]
    [InlineData("args.name < 'b'", """{ "name": "alice" }""", true)]
    [InlineData("args.q > 1 or true", """{ "q": "many" }""", true)]
    [InlineData("args.q > 1 and false", """{ "q": "many" }""", false)]
    public void Evaluate_GivesTheDocumentedResult(string condition, string args, bool expected)
    {
        Assert.Equal(expected, Holds(condition, args));
    }

    [Theory]
    [InlineData("args.q * args.p > 10", """{ "q": 2 }""")]
    [InlineData("args.q / 0 > 1", """{ "q": 2 }""")]
    [InlineData("args.q > 1", """{ "q": "many" }""")]
    public void Evaluate_GivesAnError_WhenTheValueCannotBeComputed(string condition, string args)
    {
        Assert.True(ConditionParser.TryParse(condition, out var expr, out _));

        Assert.Equal(ValueKind.Error, expr!.Evaluate(Facts.Call("T", args: args)).Kind);
    }

    [Theory]
    [InlineData("args.q >", "unexpected end of condition")]
    [InlineData("system('rm -rf /')", "unknown name 'system'")]
    [InlineData("args.q * 2", "a condition must be a comparison")]
    [InlineData("args.q in args.list", "expected '['")]
    [InlineData("args > 1", "'args' must be followed by an argument name")]
    [InlineData("args.q == 'open", "unterminated string")]
    [InlineData("args.q == 1 )", "unexpected ')'")]
    public void TryParse_RejectsBadConditions_WithAReason(string condition, string expected)
    {
        Assert.False(ConditionParser.TryParse(condition, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("args.side = 'SELL'", "unexpected '=' (compare with ==) at position 11")]
    [InlineData("args.side === 'SELL'", "unexpected '=' (compare with ==) at position 13")]
    [InlineData("args.q > 1 & args.p > 1", "unexpected '&' (write && or and) at position 12")]
    [InlineData("args.q > 1 | args.p > 1", "unexpected '|' (write || or or) at position 12")]
    public void TryParse_NamesTheOperatorMeant_WhenAConditionUsesAnotherLanguagesOperator(string condition, string expected)
    {
        Assert.False(ConditionParser.TryParse(condition, out _, out var error));

        // Before: "unexpected '=' at position 11", which leaves an admin used to SQL guessing.
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_RejectsDeepNesting()
    {
        var deep = new string('(', 40) + "true" + new string(')', 40);

        Assert.False(ConditionParser.TryParse(deep, out _, out var error));
        Assert.Contains("nested deeper", error, StringComparison.Ordinal);
    }
}
