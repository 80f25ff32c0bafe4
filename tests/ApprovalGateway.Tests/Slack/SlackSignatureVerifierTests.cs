using System.Text;
using ApprovalGateway.Slack;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Tests.Slack;

public sealed class SlackSignatureVerifierTests
{
    // Slack's published test vector (docs/slack.md).
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string Timestamp = "1531420618";
    private const string Signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");

    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1531420618);

    [Fact]
    public void Verify_ReturnsValid_WhenSlackPublishedVector()
    {
        Assert.Equal(SlackSignatureCheck.Valid, Verifier(SignedAt).Verify(Timestamp, Signature, Body));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    public void Verify_ReturnsStale_WhenTimestampOutsideFiveMinutes(int clockOffsetSeconds)
    {
        var verifier = Verifier(SignedAt.AddSeconds(clockOffsetSeconds));

        Assert.Equal(SlackSignatureCheck.StaleTimestamp, verifier.Verify(Timestamp, Signature, Body));
    }

    [Fact]
    public void Verify_ReturnsValid_WhenTimestampJustInsideWindow()
    {
        Assert.Equal(SlackSignatureCheck.Valid, Verifier(SignedAt.AddSeconds(299)).Verify(Timestamp, Signature, Body));
    }

    [Fact]
    public void Verify_ReturnsMismatch_WhenBodyAltered()
    {
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("roadrunner", "wileecoyote", StringComparison.Ordinal));

        Assert.Equal(SlackSignatureCheck.Mismatch, Verifier(SignedAt).Verify(Timestamp, Signature, tampered));
    }

    [Fact]
    public void Verify_ReturnsMismatch_WhenSignedWithAnotherSecret()
    {
        var forged = FakeSlackServer.Sign("not-the-secret", Timestamp, Body);

        Assert.Equal(SlackSignatureCheck.Mismatch, Verifier(SignedAt).Verify(Timestamp, forged, Body));
    }

    [Theory]
    [InlineData(null, Signature)]
    [InlineData(Timestamp, null)]
    [InlineData("yesterday", Signature)]
    public void Verify_ReturnsMissingHeaders_WhenHeaderAbsentOrUnreadable(string? timestamp, string? signature)
    {
        Assert.Equal(SlackSignatureCheck.MissingHeaders, Verifier(SignedAt).Verify(timestamp, signature, Body));
    }

    [Fact]
    public void Verify_ReturnsNoSigningSecret_WhenSecretNotConfigured()
    {
        var verifier = new SlackSignatureVerifier(Options.Create(new SlackOptions()), new FakeTimeProvider(SignedAt));

        Assert.Equal(SlackSignatureCheck.NoSigningSecret, verifier.Verify(Timestamp, Signature, Body));
    }

    private static SlackSignatureVerifier Verifier(DateTimeOffset now) =>
        new(Options.Create(new SlackOptions { SigningSecret = Secret }), new FakeTimeProvider(now));
}
