using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Policy.Tests;

/// <summary>What approvers, the page, logs and the audit file see of a call's arguments: never a credential.</summary>
public sealed class SecretMaskerTests
{
    [Fact]
    public void MaskCopy_MasksTheWholeValue_WhenASecretNameHoldsAnArrayObjectNumberOrNull()
    {
        var arguments = JsonNode.Parse("""
            { "apiKey": ["LEAKED-IN-ARRAY"], "password": { "value": "LEAKED-IN-OBJECT" }, "pin": 1234, "secret": null,
              "symbol": "BTCUSDT", "amount": 5 }
            """)!.AsObject();

        var masked = SecretMasker.MaskCopy(arguments)!;

        Assert.Equal("""{"apiKey":"***","password":"***","pin":"***","secret":"***","symbol":"BTCUSDT","amount":5}""", masked.ToJsonString());
        Assert.Equal("LEAKED-IN-ARRAY", arguments["apiKey"]![0]!.GetValue<string>());
    }

    [Fact]
    public void MaskCopy_MasksSecretsNestedUnderOrdinaryNames()
    {
        var arguments = JsonNode.Parse("""{ "order": { "legs": [ { "passphrase": "KUCOIN-PASS", "side": "BUY" } ] } }""")!.AsObject();

        var masked = SecretMasker.MaskCopy(arguments)!;

        Assert.Equal("""{"order":{"legs":[{"passphrase":"***","side":"BUY"}]}}""", masked.ToJsonString());
    }

    [Theory]
    [InlineData("passphrase")]
    [InlineData("API_PASSPHRASE")]
    [InlineData("pwd")]
    [InlineData("pass")]
    [InlineData("db_pass")]
    [InlineData("mnemonic")]
    [InlineData("seed")]
    [InlineData("seedPhrase")]
    [InlineData("seed_phrase")]
    [InlineData("privKey")]
    [InlineData("priv_key")]
    [InlineData("private_key")]
    [InlineData("PRIVATE-KEY")]
    [InlineData("otp")]
    [InlineData("totp")]
    [InlineData("totpCode")]
    [InlineData("pin")]
    [InlineData("cardPin")]
    [InlineData("cookie")]
    [InlineData("Set-Cookie")]
    [InlineData("sessionId")]
    [InlineData("JSESSIONID")]
    [InlineData("sessionToken")]
    [InlineData("session-token")]
    [InlineData("apiKey")]
    [InlineData("X-Api-Key")]
    [InlineData("APIKey")]
    [InlineData("x-mbx-apikey")]
    [InlineData("clientSecret")]
    [InlineData("Authorization")]
    [InlineData("signature")]
    [InlineData("token")]
    [InlineData("Token")]
    [InlineData("accessToken")]
    [InlineData("refresh_token")]
    [InlineData("pins")]
    [InlineData("pwds")]
    [InlineData("jwts")]
    [InlineData("hmacs")]
    [InlineData("backup_pins")]
    [InlineData("keyApi")]
    public void IsSecretKey_IsTrue_ForCredentialNamesInAnyCaseConvention(string key) =>
        Assert.True(SecretMasker.IsSecretKey(key), $"{key} should be masked");

    [Theory]
    [InlineData("passenger")]
    [InlineData("bypass")]
    [InlineData("compass")]
    [InlineData("pinned")]
    [InlineData("seeding")]
    [InlineData("author")]
    [InlineData("tokenAddress")]
    [InlineData("token_address")]
    [InlineData("tokenId")]
    [InlineData("token-id")]
    [InlineData("tokenSymbol")]
    [InlineData("fromTokenAddress")]
    [InlineData("tokenIn")]
    [InlineData("maxTokens")]
    [InlineData("max_tokens")]
    [InlineData("publicKey")]
    [InlineData("symbol")]
    [InlineData("quantity")]
    public void IsSecretKey_IsFalse_ForNamesThatOnlyContainASecretWord(string key) =>
        Assert.False(SecretMasker.IsSecretKey(key), $"{key} should be shown");
}
