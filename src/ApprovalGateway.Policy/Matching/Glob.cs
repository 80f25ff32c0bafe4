namespace ApprovalGateway.Policy.Matching;

/// <summary>
/// A tool-name pattern: <c>*</c> matches any run of characters, <c>?</c> exactly one; everything else is literal
/// and case-sensitive (MCP tool names are). Validated once at load so matching never fails or allocates.
/// </summary>
public sealed class Glob
{
    private Glob(string pattern, int literalLength)
    {
        Pattern = pattern;
        LiteralLength = literalLength;
        IsExact = literalLength == pattern.Length;
    }

    public string Pattern { get; }

    /// <summary>Characters that are not wildcards: the longer, the more specific the pattern.</summary>
    public int LiteralLength { get; }

    /// <summary>True when the pattern has no wildcard and so names exactly one tool.</summary>
    public bool IsExact { get; }

    public static bool TryCreate(string pattern, out Glob? glob, out string? error)
    {
        glob = null;
        if (string.IsNullOrWhiteSpace(pattern))
        {
            error = "a tool name or glob must not be empty";
            return false;
        }

        var literal = 0;
        foreach (var c in pattern)
        {
            if (c is '*' or '?')
            {
                continue;
            }

            if (!IsNameChar(c))
            {
                error = $"invalid glob \"{pattern}\": character '{c}' is not allowed (tool names use letters, digits, _ - . / : and the wildcards * and ?)";
                return false;
            }

            literal++;
        }

        if (pattern.Contains("**", StringComparison.Ordinal))
        {
            error = $"invalid glob \"{pattern}\": \"**\" is redundant, use a single *";
            return false;
        }

        error = null;
        glob = new Glob(pattern, literal);
        return true;
    }

    public bool IsMatch(ReadOnlySpan<char> name)
    {
        if (IsExact)
        {
            return name.SequenceEqual(Pattern);
        }

        return Matches(Pattern, name, nameIsGlob: false);
    }

    /// <summary>
    /// True when this pattern matches every name <paramref name="other"/> matches (<c>Binance*</c> covers
    /// <c>BinanceGet*</c> and <c>BinanceGetAccount</c>). Reads the other pattern as text whose <c>*</c> only a
    /// <c>*</c> here can take and whose <c>?</c> a <c>?</c> or <c>*</c> can: sure when it says true, which is what a
    /// warning needs; a cover only a cleverer proof would find is not reported.
    /// </summary>
    public bool Covers(Glob other) => Matches(Pattern, other.Pattern, nameIsGlob: true);

    /// <summary>
    /// Wildcard matching with backtracking to the last <c>*</c>. A <paramref name="name"/> that is itself a glob has
    /// its <c>*</c> taken only by a <c>*</c> of <paramref name="pattern"/>, not by a <c>?</c>.
    /// </summary>
    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name, bool nameIsGlob)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
            }
            else if (p < pattern.Length && (pattern[p] == '?' ? !(nameIsGlob && name[n] == '*') : pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                n = ++starN;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public override string ToString() => Pattern;

    private static bool IsNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':';
}
