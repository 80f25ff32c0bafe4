using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Upstreams;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// What one agent session was last listed, a digest per list: its tools as a whole (every upstream's, through the
/// policy), and each upstream's resources, resource templates and prompts. When what it would be listed now is another
/// (a session of its own opened where it was answered from the gateway's listing, or an upstream restarted) it is told to
/// list again, and of one change once: what it is told of counts as listed, and an upstream saying a list changed that
/// the gateway already told it of has nothing to add until it lists again.
/// </summary>
internal sealed class ListedDigests
{
    /// <summary>Stands for the upstream of the tool list, which is one list of every upstream's tools.</summary>
    public const string EveryUpstream = "";

    private readonly ConcurrentDictionary<(string Upstream, string Method), Listed> _listed = new();

    /// <summary>
    /// A list as the agent was last listed it; <paramref name="Whole"/> false when it pages through the upstream's own
    /// pages and only the first is known; <paramref name="Told"/> when the gateway told it to list again since.
    /// </summary>
    public sealed record Listed(string Digest, bool Whole = true, bool Told = false);

    public static string DigestOf(IEnumerable<JsonNode?> items)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in items)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(item?.ToJsonString() ?? "null"));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The list a list request answers, or a list_changed notification names (resources and templates share one).</summary>
    public static ListKinds KindOf(string method) => method switch
    {
        RequestMethods.ToolsList or NotificationMethods.ToolListChangedNotification => ListKinds.Tools,
        RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList or NotificationMethods.ResourceListChangedNotification => ListKinds.Resources,
        RequestMethods.PromptsList or NotificationMethods.PromptListChangedNotification => ListKinds.Prompts,
        _ => ListKinds.None,
    };

    public Listed? Get(string upstream, string method) => _listed.GetValueOrDefault((upstream, method));

    /// <summary>
    /// The agent begins to list <paramref name="method"/>: it sees what changed before, so a change said from now on must
    /// reach it, even of a list the gateway told it of (and of its sibling: resources and templates share a notice, and
    /// one not passed on for a list the agent did not list again would be lost).
    /// </summary>
    public void Listing(string method)
    {
        foreach (var (key, listed) in _listed)
        {
            if (KindOf(key.Method) == KindOf(method) && listed.Told)
            {
                _listed.TryUpdate(key, listed with { Told = false }, listed);
            }
        }
    }

    public void Record(string upstream, string method, IEnumerable<JsonNode?> items, bool whole = true) =>
        _listed[(upstream, method)] = new Listed(DigestOf(items), whole);

    /// <summary>
    /// Whether the agent must be told to list again: <paramref name="now"/> is not what it was listed (<paramref name="was"/>).
    /// What it is told of counts as listed, so a second look that finds the same tells nothing, and of two looks at once
    /// only one tells.
    /// </summary>
    public bool Changed(string upstream, string method, Listed was, string now) =>
        now != was.Digest && _listed.TryUpdate((upstream, method), was with { Digest = now, Told = true }, was);

    /// <summary>
    /// The agent is being told that <paramref name="upstream"/>'s <paramref name="lists"/> changed: nothing is listed of
    /// them until it lists again. True when the gateway told it so already, which this telling would only repeat.
    /// </summary>
    public bool Told(string upstream, ListKinds lists)
    {
        var already = false;
        foreach (var key in _listed.Keys)
        {
            if ((key.Upstream == upstream || key.Upstream == EveryUpstream) && lists.HasFlag(KindOf(key.Method))
                && _listed.TryRemove(key, out var listed))
            {
                already |= listed.Told;
            }
        }

        return already;
    }
}
