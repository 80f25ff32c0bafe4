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

    /// <summary>A person reads each of these as a credential's name; before, only the ASCII spelling was masked.</summary>
    [Theory]
    [InlineData("ap\u0131_key")] // dotless ı
    [InlineData("ap\u0131Key")]
    [InlineData("AP\u0130_KEY")] // capital İ with its dot
    [InlineData("\uFF41\uFF50\uFF49\uFF3F\uFF4B\uFF45\uFF59")] // fullwidth api_key
    [InlineData("\uFF21\uFF30\uFF29\uFF2B\uFF45\uFF59")] // fullwidth APIKey
    [InlineData("\uFF50\uFF41\uFF53\uFF53\uFF57\uFF4F\uFF52\uFF44")] // fullwidth password
    [InlineData("\U0001D42C\U0001D41E\U0001D41C\U0001D42B\U0001D41E\U0001D42D")] // mathematical bold secret
    [InlineData("api\u212Aey")] // Kelvin sign K
    [InlineData("\u0440\u0430ssword")] // Cyrillic р and а
    [InlineData("s\u0435cret")] // Cyrillic е
    [InlineData("t\u03BFken")] // Greek ο
    [InlineData("\u0421lientSecret")] // Cyrillic С
    [InlineData("to\u200Dken")] // a zero-width joiner inside
    [InlineData("pa\u00ADssword")] // a soft hyphen inside
    [InlineData("se\u0301cret")] // an accent, combining
    [InlineData("\u24B6\u24C5\u24BE\u24C0\u24BA\u24CE")] // circled APIKEY
    [InlineData("\U0001D68A\U0001D699\U0001D692\U0001D67A\U0001D68E\U0001D6A2")] // monospace apiKey
    [InlineData("\u017Fecret")] // long s
    [InlineData("\uFF4F\uFF54\uFF50")] // fullwidth otp
    [InlineData("\uFF50\uFF49\uFF4E\uFF53")] // fullwidth pins
    [InlineData("db_\uFF50\uFF41\uFF53\uFF53")] // db_ and a fullwidth pass
    public void IsSecretKey_IsTrue_ForLookAlikeSpellingsOfCredentialNames(string key) =>
        Assert.True(SecretMasker.IsSecretKey(key), $"{key} should be masked");

    /// <summary>A name that is not well-formed text cannot be read as anything, so it does not crash the check: it is masked.</summary>
    [Fact]
    public void IsSecretKey_IsTrue_ForANameWithALoneSurrogate() =>
        Assert.True(SecretMasker.IsSecretKey("note\uD800"));

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
    [InlineData("sk")] // DynamoDB's sort key
    [InlineData("\uFF53\uFF4B")] // fullwidth sk
    [InlineData("\uFF50\uFF41\uFF53\uFF53\uFF45\uFF4E\uFF47\uFF45\uFF52")] // fullwidth passenger
    [InlineData("\uFF54\uFF4F\uFF4B\uFF45\uFF4E\uFF21\uFF44\uFF44\uFF52\uFF45\uFF53\uFF53")] // fullwidth tokenAddress
    [InlineData("\uFF4D\uFF41\uFF58\uFF3F\uFF54\uFF4F\uFF4B\uFF45\uFF4E\uFF53")] // fullwidth max_tokens
    [InlineData("publ\u0131cKey")] // dotless ı in publicKey
    [InlineData("t\u03BFkenId")] // Greek ο in tokenId
    [InlineData("comp\u0430ss")] // Cyrillic а in compass
    [InlineData("caf\u00E9")]
    [InlineData("\u0441\u0438\u043C\u0432\u043E\u043B")] // символ, Russian for symbol
    [InlineData("\u6570\u91CF")] // 数量, quantity
    public void IsSecretKey_IsFalse_ForNamesThatOnlyContainASecretWord(string key) =>
        Assert.False(SecretMasker.IsSecretKey(key), $"{key} should be shown");
}
