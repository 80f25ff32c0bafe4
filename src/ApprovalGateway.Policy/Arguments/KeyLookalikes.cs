using System.Globalization;
using System.Text;

namespace ApprovalGateway.Policy.Arguments;

/// <summary>
/// An argument name as it reads, for telling whether it names a secret: an agent (or the text it copied) can spell
/// <c>api_key</c> with a dotless ı, fullwidth letters (<c>ａｐｉ＿ｋｅｙ</c>), mathematical bold, a Cyrillic а or an
/// invisible joiner, and a person still reads <c>api_key</c>, so the name must count as that. Compatibility forms fold
/// (as NFKC folds them), combining accents and invisible characters go, and letters drawn like a Latin one (Unicode's
/// confusables that map to a single ASCII letter) become it, keeping their case so the words of <c>аpiKey</c> still
/// split. Only for matching:
/// prompts and the audit keep the name as the agent sent it (with invisible characters shown as escapes).
/// </summary>
internal static class KeyLookalikes
{
    // Lower and upper case letters of other scripts that look like a Latin letter in common fonts (Unicode's
    // confusables.txt, single letters only). Whole words of those scripts rarely become a credential's name this way,
    // and a name masked by mistake costs an approver only a question.
    private static readonly Dictionary<char, char> Latin = new()
    {
        // Latin letters without their dot, with one, or in another shape: ı İ ȷ ɑ ɡ ɩ.
        ['\u0131'] = 'i', ['\u0130'] = 'I', ['\u0237'] = 'j', ['\u0251'] = 'a', ['\u0261'] = 'g', ['\u0269'] = 'i',

        // Cyrillic: а е о р с у х і ј ѕ ԁ һ ԛ ԝ ӏ, and the capitals drawn as Latin ones.
        ['\u0430'] = 'a', ['\u0435'] = 'e', ['\u043E'] = 'o', ['\u0440'] = 'p', ['\u0441'] = 'c', ['\u0443'] = 'y',
        ['\u0445'] = 'x', ['\u0456'] = 'i', ['\u0458'] = 'j', ['\u0455'] = 's', ['\u0501'] = 'd', ['\u04BB'] = 'h',
        ['\u051B'] = 'q', ['\u051D'] = 'w', ['\u04CF'] = 'l',
        ['\u0410'] = 'A', ['\u0412'] = 'B', ['\u0415'] = 'E', ['\u041A'] = 'K', ['\u041C'] = 'M', ['\u041D'] = 'H',
        ['\u041E'] = 'O', ['\u0420'] = 'P', ['\u0421'] = 'C', ['\u0422'] = 'T', ['\u0425'] = 'X', ['\u0406'] = 'I',
        ['\u0408'] = 'J', ['\u0405'] = 'S', ['\u04AE'] = 'Y', ['\u051A'] = 'Q', ['\u051C'] = 'W', ['\u04C0'] = 'I',

        // Greek: ο ν ρ α ι, and the capitals drawn as Latin ones.
        ['\u03BF'] = 'o', ['\u03BD'] = 'v', ['\u03C1'] = 'p', ['\u03B1'] = 'a', ['\u03B9'] = 'i',
        ['\u0391'] = 'A', ['\u0392'] = 'B', ['\u0395'] = 'E', ['\u0396'] = 'Z', ['\u0397'] = 'H', ['\u0399'] = 'I',
        ['\u039A'] = 'K', ['\u039C'] = 'M', ['\u039D'] = 'N', ['\u039F'] = 'O', ['\u03A1'] = 'P', ['\u03A4'] = 'T',
        ['\u03A5'] = 'Y', ['\u03A7'] = 'X',
    };

    // Letterlike symbols NFKC folds to a letter; several fill the holes of the mathematical alphabets below (ℎ, ℬ, ℯ).
    private static readonly Dictionary<int, char> Letterlike = new()
    {
        [0x2102] = 'C', [0x210A] = 'g', [0x210B] = 'H', [0x210C] = 'H', [0x210D] = 'H', [0x210E] = 'h', [0x2110] = 'I',
        [0x2111] = 'I', [0x2112] = 'L', [0x2113] = 'l', [0x2115] = 'N', [0x2119] = 'P', [0x211A] = 'Q', [0x211B] = 'R',
        [0x211C] = 'R', [0x211D] = 'R', [0x2124] = 'Z', [0x2128] = 'Z', [0x212A] = 'K', [0x212C] = 'B', [0x212D] = 'C',
        [0x212F] = 'e', [0x2130] = 'E', [0x2131] = 'F', [0x2133] = 'M', [0x2134] = 'o', [0x2139] = 'i', [0x017F] = 's',
    };

    /// <summary>
    /// The name folded as above; null when it is not well-formed text (a lone surrogate), which cannot be read as
    /// any name and so is taken for a secret's.
    /// </summary>
    /// <remarks>
    /// The gateway runs with invariant globalization, where <see cref="string.Normalize(NormalizationForm)"/> has no
    /// Unicode data; so the compatibility forms a name can be spelt in are folded here, as NFKC folds them: fullwidth
    /// forms, the mathematical alphabets and digits, letterlike symbols, circled letters and the Latin ligatures.
    /// </remarks>
    public static string? Fold(string key)
    {
        var folded = new StringBuilder(key.Length);
        var rest = key.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return null;
            }

            rest = rest[used..];
            switch (Rune.GetUnicodeCategory(rune))
            {
                // Invisible (zero widths, joiners, soft hyphens) or drawn on the letter before (accents).
                case UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format:
                    continue;
            }

            Append(folded, rune.Value);
        }

        return folded.ToString();
    }

    private static void Append(StringBuilder folded, int c)
    {
        switch (c)
        {
            case >= 0xFF01 and <= 0xFF5E: // fullwidth ASCII: ａｐｉ＿ｋｅｙ
                folded.Append((char)(c - 0xFEE0));
                break;
            case >= 0x1D400 and <= 0x1D6A3: // thirteen mathematical alphabets of 52 letters each: 𝐚𝐩𝐢, 𝙰𝙿𝙸
                var letter = (c - 0x1D400) % 52;
                folded.Append((char)(letter < 26 ? 'A' + letter : 'a' + letter - 26));
                break;
            case >= 0x1D7CE and <= 0x1D7FF: // five mathematical digit sets: 𝟎
                folded.Append((char)('0' + ((c - 0x1D7CE) % 10)));
                break;
            case >= 0x24B6 and <= 0x24CF: // Ⓐ
                folded.Append((char)('A' + c - 0x24B6));
                break;
            case >= 0x24D0 and <= 0x24E9: // ⓐ
                folded.Append((char)('a' + c - 0x24D0));
                break;
            case >= 0xFB00 and <= 0xFB06: // ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ
                folded.Append((c - 0xFB00) switch { 0 => "ff", 1 => "fi", 2 => "fl", 3 => "ffi", 4 => "ffl", _ => "st" });
                break;
            case <= 0xFFFF when Latin.TryGetValue((char)c, out var latin):
                folded.Append(latin);
                break;
            default:
                if (Letterlike.TryGetValue(c, out var symbol))
                {
                    folded.Append(symbol);
                }
                else
                {
                    folded.Append(char.ConvertFromUtf32(c));
                }

                break;
        }
    }
}
