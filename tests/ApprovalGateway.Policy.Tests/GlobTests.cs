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

    [Theory]
    [InlineData("Binance*", "BinanceGetAccount", true)]
    [InlineData("Binance*", "BinanceGet*", true)]
    [InlineData("*Order*", "Binance*OrderList", true)]
    [InlineData("Get?", "Get?", true)]
    [InlineData("Get*", "Get?", true)]
    [InlineData("BinanceGet*", "Binance*", false)]
    [InlineData("Get?", "Get*", false)]
    [InlineData("Get?x", "Get*x", false)]
    [InlineData("BinanceGetAccount", "BinanceGetAccount", true)]
    [InlineData("BinanceGetAccount", "BinanceGetAccounts", false)]
    public void Covers_IsTrue_OnlyWhenEveryNameTheOtherMatchesMatchesToo(string pattern, string other, bool expected)
    {
        Assert.True(Glob.TryCreate(pattern, out var glob, out _));
        Assert.True(Glob.TryCreate(other, out var otherGlob, out _));

        Assert.Equal(expected, glob!.Covers(otherGlob!));
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
