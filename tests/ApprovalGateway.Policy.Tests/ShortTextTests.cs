using ApprovalGateway.Policy.Text;

namespace ApprovalGateway.Policy.Tests;

public sealed class ShortTextTests
{
    private const string Lock = "\U0001F512";

    [Theory]
    [InlineData("abc", 3, "abc")]
    [InlineData("abcd", 3, "abc…")]
    [InlineData("ab" + Lock + "c", 3, "ab…")]
    [InlineData("abc" + Lock, 4, "abc…")]
    [InlineData("abc" + Lock, 5, "abc" + Lock)]
    public void Cut_KeepsAtMostTheGivenCharacters_NeverHalfASurrogatePair(string text, int kept, string expected)
    {
        Assert.Equal(expected, ShortText.Cut(text, kept));
    }

    [Theory]
    [InlineData("abcd", 4, "abcd")]
    [InlineData("abcde", 4, "abc…")]
    [InlineData("ab" + Lock + "cd", 4, "ab…")]
    public void Fit_GivesAtMostTheGivenLength_EllipsisIncluded(string text, int maxLength, string expected)
    {
        Assert.Equal(expected, ShortText.Fit(text, maxLength));
    }
}
