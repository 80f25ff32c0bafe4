using System.Text;

namespace ApprovalGateway.Policy.Arguments;

/// <summary>
/// Splits an argument name into lower-case words whatever its case convention: <c>apiKey</c>, <c>API_KEY</c>,
/// <c>x-api-key</c> and <c>APIKey</c> all give <c>api</c>, <c>key</c>; letters and digits part too (<c>token0</c>).
/// </summary>
internal static class KeyWords
{
    public static List<string> Split(string key)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }

            if (word.Length > 0 && StartsWord(key, i))
            {
                Flush();
            }

            word.Append(char.ToLowerInvariant(c));
        }

        Flush();
        return words;

        void Flush()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
    }

    private static bool StartsWord(string key, int i)
    {
        var (previous, current) = (key[i - 1], key[i]);
        if (char.IsDigit(previous) != char.IsDigit(current))
        {
            return true;
        }

        // camelCase (apiKey), and the last capital of an acronym that starts a word (APIKey, HTTPCookie).
        return char.IsUpper(current)
            && (char.IsLower(previous) || (char.IsUpper(previous) && i + 1 < key.Length && char.IsLower(key[i + 1])));
    }
}
