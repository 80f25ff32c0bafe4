namespace ApprovalGateway.Policy.Arguments;

/// <summary>
/// Whether an argument's name says its value is a credential. Names are compared as words, so the case convention
/// does not matter (<c>apiKey</c>, <c>api_key</c>, <c>X-Api-Key</c>, <c>APIKEY</c>), nor does a look-alike spelling
/// (<see cref="KeyLookalikes"/>). When in doubt the name counts as
/// secret: a value masked by mistake costs an approver a look at the agent's request; one shown by mistake is in
/// an append-only audit file for good.
/// </summary>
internal static class SecretKeyName
{
    // Long enough not to occur inside ordinary words, so they count anywhere in the name with its words joined:
    // clientSecret, newPassword, x-mbx-apikey, privateKeyHex, setCookie, JSESSIONID.
    private static readonly string[] Fragments =
    [
        "secret", "password", "passwd", "passphrase", "credential", "authorization", "signature", "mnemonic", "cookie",
        "apikey", "keyapi", "privkey", "privatekey", "accesskey", "signingkey", "sessionkey", "masterkey", "encryptionkey", "authkey",
        "sessionid", "sessid",
    ];

    // Short words that also sit inside harmless ones (passenger, bypass, pinned, seeding, author), so they count
    // only as a whole word of the name: pass, db_pass, pinCode, seedPhrase, totpCode, auth.
    private static readonly HashSet<string> Words =
        ["pass", "pwd", "pin", "otp", "totp", "hotp", "seed", "sig", "hmac", "auth", "cred", "creds", "bearer", "jwt", "cvv", "cvc", "wif", "xprv"];

    // A bare "token" is an API credential in most tools, so it stays masked even where it names a crypto asset
    // (transfer(token, to, amount)). Followed by one of these words it describes the asset instead: tokenAddress,
    // token_id, fromTokenSymbol, tokenIn, tokenA, token0.
    private static readonly HashSet<string> TokenDescriptions =
        ["address", "addresses", "id", "ids", "symbol", "symbols", "name", "decimals", "contract", "mint", "standard", "type", "amount", "balance", "price", "in", "out", "a", "b", "0", "1"];

    // ...and after one of these it counts language-model tokens: max_tokens, maxTokens, num_tokens.
    private static readonly HashSet<string> TokenCounts = ["max", "min", "num", "total"];

    public static bool IsSecret(string key)
    {
        // Read as a person reads it: apı_key and ａｐｉ＿ｋｅｙ are api_key.
        if (KeyLookalikes.Fold(key) is not { } folded)
        {
            return true;
        }

        var words = KeyWords.Split(folded);
        var joined = string.Concat(words);
        if (Array.Exists(Fragments, fragment => joined.Contains(fragment, StringComparison.Ordinal)))
        {
            return true;
        }

        for (var i = 0; i < words.Count; i++)
        {
            // A plural counts as its word: pins, pwds, jwts, hmacs.
            var word = words[i];
            if (Words.Contains(word) || (word.Length > 1 && word[^1] == 's' && Words.Contains(word[..^1]))
                || (word.Contains("token", StringComparison.Ordinal) && !IsAssetOrCount(words, i)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAssetOrCount(List<string> words, int i)
    {
        var word = words[i];
        if (word is "token" or "tokens")
        {
            return (i + 1 < words.Count && TokenDescriptions.Contains(words[i + 1])) || (i > 0 && TokenCounts.Contains(words[i - 1]));
        }

        // The same names written as one word: tokenid, tokenaddress, maxtokens.
        return (word.StartsWith("token", StringComparison.Ordinal) && TokenDescriptions.Contains(word[5..]))
            || TokenCounts.Any(count => word == $"{count}tokens" || word == $"{count}token");
    }
}
