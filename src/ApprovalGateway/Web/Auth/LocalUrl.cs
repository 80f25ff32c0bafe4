using System.Globalization;
using System.Text;

namespace ApprovalGateway.Web.Auth;

internal static class LocalUrl
{
    /// <summary>Only a path on this site, so the sign-in page cannot be used to bounce someone to another host.</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url)
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    /// <summary>
    /// A local <paramref name="url"/> with every character outside ASCII percent-encoded, else <c>/</c>: it goes into
    /// a Location header, which carries ASCII only (Kestrel fails the response rather than send anything else).
    /// </summary>
    public static string OrRoot(string? url) => IsLocal(url) ? EncodeNonAscii(url!) : "/";

    /// <summary>
    /// What a browser would send for the same address. ASCII is left alone, so an encoded URL stays as it is and
    /// the first two characters, which <see cref="IsLocal"/> checked, cannot turn into slashes.
    /// </summary>
    private static string EncodeNonAscii(string url)
    {
        if (Ascii.IsValid(url))
        {
            return url;
        }

        var encoded = new StringBuilder(url.Length * 3);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                encoded.Append((char)rune.Value);
                continue;
            }

            // A lone surrogate comes out as U+FFFD.
            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
