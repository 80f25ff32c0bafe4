namespace ApprovalGateway.Policy.Text;

/// <summary>
/// Text cut short for an error, a log line, a prompt or an audit record. The cut never falls between the halves of a
/// surrogate pair: a lone half cannot be encoded, and every JSON writer and terminal shows it as U+FFFD, so an emoji
/// at the cut would come out as a replacement character. It lives here, the lowest assembly, so the policy engine and
/// the gateway cut alike.
/// </summary>
public static class ShortText
{
    public const string Ellipsis = "…";

    /// <summary>The text itself when it has at most <paramref name="kept"/> characters, else its start and "…".</summary>
    public static string Cut(string text, int kept) =>
        text.Length <= kept ? text : string.Concat(text.AsSpan(0, KeptLength(text, kept)), Ellipsis);

    /// <summary>
    /// The text itself when it has at most <paramref name="maxLength"/> characters, else its start and "…" in that
    /// many: for a field with a limit to honour, such as the reason a form takes.
    /// </summary>
    public static string Fit(string text, int maxLength) => text.Length <= maxLength ? text : Cut(text, maxLength - Ellipsis.Length);

    /// <summary>
    /// How many of the text's first characters to keep, at most <paramref name="kept"/>: one fewer when the last would
    /// be the first half of a surrogate pair.
    /// </summary>
    public static int KeptLength(string text, int kept)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(kept);
        return kept >= text.Length ? text.Length
            : kept > 0 && char.IsHighSurrogate(text[kept - 1]) ? kept - 1
            : kept;
    }
}
