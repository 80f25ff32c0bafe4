using ApprovalGateway.Policy.Matching;

namespace ApprovalGateway.Policy.Tests;

public sealed class GlobTests
{
    [Theory]
    [InlineData("BinanceWallet*", "BinanceWalletWithdraw", true)]
    [InlineData("BinanceWallet*", "BinanceWallet", true)]
    [InlineData("BinanceWallet*", "BinanceNewOrder", false)]
    [InlineData("*", "anything", true)]
    [InlineData("Binance*Order", "BinanceNewOrder", true)]
    [InlineData("Binance*Order", "BinanceNewOrders", false)]
    [InlineData("*Cancel*", "BinanceSpotCancelOpenTWAPOrder", true)]
    [InlineData("get_?", "get_a", true)]
    [InlineData("get_?", "get_ab", false)]
    [InlineData("BinanceTicker", "binanceticker", false)]
    public void IsMatch_MatchesLikeAShellGlob(string pattern, string name, bool expected)
    {
        Assert.True(Glob.TryCreate(pattern, out var glob, out _));

        Assert.Equal(expected, glob!.IsMatch(name));
    }

    [Fact]
    public void TryCreate_CountsLiteralCharacters_ForSpecificity()
    {
        Glob.TryCreate("Binance*Order", out var glob, out _);

        Assert.Equal(12, glob!.LiteralLength);
        Assert.False(glob.IsExact);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Binance[AB]")]
    [InlineData("a b")]
    [InlineData("Binance**")]
    public void TryCreate_RejectsBadGlobs(string pattern)
    {
        Assert.False(Glob.TryCreate(pattern, out _, out var error));
        Assert.NotNull(error);
    }
}
