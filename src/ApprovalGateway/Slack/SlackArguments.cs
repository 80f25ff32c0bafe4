using System.Text.Json.Nodes;

namespace ApprovalGateway.Slack;

/// <summary>
/// A call's arguments as its Slack prompt shows them: every key, and every value or its beginning.
/// </summary>
/// <param name="Json">Indented JSON with hidden characters escaped; null when even shortened values do not fit.</param>
/// <param name="Shortened">Some strings are cut; each says its full length.</param>
/// <param name="HiddenCharacters">Code points of invisible or direction-changing characters in keys or strings.</param>
internal sealed record SlackArguments(string? Json, bool Shortened, IReadOnlyList<int> HiddenCharacters)
{
    /// <summary>
    /// Slack documents 3000 characters for a section's text and nothing we rely on for rich text, so the arguments
    /// keep to the section limit.
    /// </summary>
    public const int TextLimit = 3000;

    // Cut strings no more than needed: an approver would rather see a long address whole.
    private static readonly int[] LongestStringSteps = [int.MaxValue, 1000, 300, 100, 40];

    /// <summary>All the keys fit: the prompt may offer Approve.</summary>
    public bool Fits => Json is not null;

    public static SlackArguments Of(JsonObject maskedArguments)
    {
        var hidden = InvisibleCharacters.In(maskedArguments);
        foreach (var longest in LongestStringSteps)
        {
            if (VisibleJson.TryWrite(maskedArguments, TextLimit, longest, out var json, out var shortened))
            {
                return new SlackArguments(json, shortened, hidden);
            }
        }

        return new SlackArguments(Json: null, Shortened: false, hidden);
    }
}
