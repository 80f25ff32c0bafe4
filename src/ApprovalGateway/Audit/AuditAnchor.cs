using System.Globalization;

namespace ApprovalGateway.Audit;

/// <summary>
/// A point in the audit chain, <c>seq:hash</c> of one record. <c>verify-audit</c> prints the head it reached in this form;
/// kept, it lets the files rotated after it be verified once the older ones are deleted (<c>--after</c>).
/// </summary>
internal readonly record struct AuditAnchor(long Seq, string Hash)
{
    /// <summary>Before the first record: a chain verified from here must start at seq 1.</summary>
    public static readonly AuditAnchor Genesis = new(0, AuditChain.Genesis);

    public override string ToString() => $"{Seq}:{Hash}";

    public static bool TryParse(string text, out AuditAnchor anchor)
    {
        anchor = default;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            || seq < 1)
        {
            return false;
        }

        var hash = text[(colon + 1)..];
        if (hash.Length != AuditChain.Genesis.Length || !hash.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        anchor = new AuditAnchor(seq, hash);
        return true;
    }
}
